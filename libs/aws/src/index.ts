export { AccountList, type WatchedAccounts } from './account-list.js';
export {
  type AccountAccess,
  AccountDirectory,
  type AccountSpec,
  accountAccess,
  type ConfiguredAccount,
  type DirectoryOptions,
} from './accounts.js';
export { type AssumeRoleOptions, assumeRole } from './assume-role.js';
export {
  ACCOUNT_ACTIONS,
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
export { actorFromCloudTrail, type CloudTrailCall, EXECUTOR_SESSION } from './cloudtrail-actor.js';
export { type ActorWindow, CloudTrailLookup, type LookupOptions } from './cloudtrail-lookup.js';
export { MalformedResponseError, tagsOf } from './normalize.js';
export {
  type Discovery,
  discoverAccounts,
  type MemberAccount,
  Organization,
  type OrganizationOptions,
  type OrganizationSettings,
  partitionOf,
} from './organization.js';
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
