export {
  type AccountAccess,
  AccountDirectory,
  type AccountSpec,
  accountAccess,
  type ConfiguredAccount,
} from './accounts.js';
export { type CallStats, type ClientOptions, ClientSet, newStats } from './clients.js';
export { MalformedResponseError, tagsOf } from './normalize.js';
export type { Provider, ScanContext } from './provider.js';
export { normalizeRules } from './providers/ec2-security-group.js';
export { bucketRegion } from './providers/s3-bucket.js';
export { READ_ONLY, WriteRefusedError } from './read-only.js';
export { PROVIDERS, providerFor, readActions } from './registry.js';
