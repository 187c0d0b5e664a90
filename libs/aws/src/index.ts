export {
  type AccountAccess,
  AccountDirectory,
  type AccountSpec,
  accountAccess,
  type ConfiguredAccount,
} from './accounts.js';
export {
  executorPolicy,
  iamAction,
  openapiWithTypes,
  scannerPolicy,
  typeCatalogSource,
} from './catalog.js';
export {
  type CallStats,
  type ClientOptions,
  ClientSet,
  newStats,
  SERVICE_NAMES,
  type ServiceName,
} from './clients.js';
export { MalformedResponseError, tagsOf } from './normalize.js';
export {
  type ApiCall,
  isNotFound,
  type Protection,
  type Provider,
  readOne,
  type ScanContext,
  type TagTarget,
  type TagWrites,
} from './provider.js';
export { normalizeRules } from './providers/ec2-security-group.js';
export { bucketRegion } from './providers/s3-bucket.js';
export { READ_ONLY, WriteRefusedError } from './read-only.js';
export { listKeysOf, PROVIDERS, providerFor, readActions, WRITE_OPERATIONS, WRITES } from './registry.js';
