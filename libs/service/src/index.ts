export { boot } from './boot.js';
export {
  type HttpAnswer,
  type HttpHandler,
  type ReadinessCheck,
  type RuntimeOptions,
  ServiceRuntime,
} from './runtime.js';
export { Shutdown } from './shutdown.js';
