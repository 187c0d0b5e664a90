export { CliError, EXIT, type Io } from './io.js';
export { buildProgram, run } from './program.js';
