import type { AttributesOf } from './attributes.js';
import type { Provider, ResourceType } from './resource-type.js';

/** Tags as AWS has them: an open map. A fixed struct once dropped every tag outside its list. */
export type Tags = Record<string, string>;

/** The tags Elava understands (contract). */
export const TAG_BLESSED = 'elava:blessed';
export const TAG_MANAGED = 'elava:managed';
export const TAG_OWNER = 'elava:owner';

/** One cloud resource as a scan saw it. */
export interface Resource<T extends ResourceType = ResourceType> {
  /** Canonical id: aws:<account>:<region>:<type>:<native-id>. */
  id: string;
  provider: Provider;
  account: string;
  region: string;
  type: T;
  native_id: string;
  /** The Name tag, or the best human name the API gives; empty when there is none. */
  name: string;
  /** Normalised lifecycle state (running, stopped, available, ...); "active" where AWS has none. */
  status: string;
  /** RFC 3339, when the API says; absent when it does not. */
  created_at?: string;
  tags: Tags;
  attributes: AttributesOf<T>;
}

/** Any resource, with its attributes narrowed by its `type`. */
export type AnyResource = { [T in ResourceType]: Resource<T> }[ResourceType];

export function isBlessed(resource: Pick<Resource, 'tags'>): boolean {
  return resource.tags[TAG_BLESSED]?.toLowerCase() === 'true';
}

export function isManaged(resource: Pick<Resource, 'tags'>): boolean {
  return resource.tags[TAG_MANAGED]?.toLowerCase() === 'true';
}
