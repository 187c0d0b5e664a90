export { Accounts, reportAccess } from './accounts.js';
export { runScan, type ScanDeps, type ScanSummary } from './scan-runner.js';
export { recheckDelays, runTargeted, type TargetedDeps } from './targeted.js';
export { createScanner, type ScannerOptions } from './worker.js';
