import { LIST_KEYS, RESOURCE_TYPES, TYPE_CATALOG } from './resource-types.generated.js';

/**
 * Every resource type Elava knows, as `<service>.<kind>`; the contract names them. The list is
 * generated from the readers' registry (`libs/aws/src/registry.ts`) by `npm run generate`.
 */
export { RESOURCE_TYPES, TYPE_CATALOG };

export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const PROVIDERS = ['aws'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** The region of every scope and id of a type read once per account. */
export const GLOBAL_REGION = 'global';

const typeSet: ReadonlySet<string> = new Set(RESOURCE_TYPES);

export function isResourceType(value: string): value is ResourceType {
  return typeSet.has(value);
}

/** Read once per account, under the region `global` (IAM, CloudFront, Route 53). */
export function isGlobalType(type: ResourceType): boolean {
  return TYPE_CATALOG[type].global;
}

/** The CloudFormation and AWS Config name of a type: `AWS::EC2::Instance`. */
export function cfnTypeOf(type: ResourceType): string {
  return TYPE_CATALOG[type].cfn;
}

const NO_LIST_KEYS: Readonly<Record<string, string>> = {};

/**
 * How a type's lists are matched in a diff: list path → the field that names an element. Generated
 * from the readers (each declares its own), so that what diffs (the recorder, the detector, the
 * CLI) does not load the AWS SDK the readers are built on.
 */
export function listKeysOf(type: ResourceType): Readonly<Record<string, string>> {
  return LIST_KEYS[type] ?? NO_LIST_KEYS;
}
