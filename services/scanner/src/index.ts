export { Accounts } from './accounts.js';
export { runScan, type ScanDeps, type ScanSummary } from './scan-runner.js';
export { createScanner, type ScannerOptions } from './worker.js';
