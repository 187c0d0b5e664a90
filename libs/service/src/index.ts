export { boot } from './boot.js';
export { type ReadinessCheck, type RuntimeOptions, ServiceRuntime } from './runtime.js';
export { Shutdown } from './shutdown.js';
