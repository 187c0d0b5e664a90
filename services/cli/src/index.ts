export { discoverServices, type Running, repoRoot, type ServiceEntry, startService, stopAll } from './cluster.js';
export { CliError, EXIT, type Io } from './io.js';
export { buildProgram, run } from './program.js';
