export {
  discoverServices,
  nodeOptions,
  type Running,
  repoRoot,
  type ServiceEntry,
  startService,
  stopAll,
  wanted,
} from './cluster.js';
export { type BacktestOptions, backtest } from './commands/backtest.js';
export { CliError, EXIT, type Io } from './io.js';
export { buildProgram, run } from './program.js';
