import type { Resource, ResourceType, ScopeFilter } from '@elava/types';
import type { ClientSet } from './clients.js';

export interface ScanContext {
  account: string;
  region: string;
  clients: ClientSet;
  /** Items per API page, where the API takes one. */
  pageSize?: number;
  signal?: AbortSignal;
}

/**
 * One resource type's reader. `pages` yields resources page by page, as the API pages; it throws
 * on any failed call, so a partial view is never mistaken for the whole.
 */
export interface Provider<T extends ResourceType = ResourceType> {
  type: T;
  service: 'ec2' | 'rds' | 's3';
  /** Every AWS operation this reader may call: the IAM policy and the read-only test use it. */
  operations: readonly string[];
  /** True when a tag filter can be applied by the API itself (EC2 `tag:` filters). */
  serverSideTagFilter: boolean;
  pages(ctx: ScanContext, filter?: ScopeFilter): AsyncGenerator<Resource<T>[]>;
}

/** EC2 `tag:<key>` filters for a scope's tag filter. */
export function ec2TagFilters(filter?: ScopeFilter): { Name: string; Values: string[] }[] | undefined {
  if (!filter?.tags) return undefined;
  return Object.entries(filter.tags).map(([k, v]) => ({ Name: `tag:${k}`, Values: Array.isArray(v) ? v : [v] }));
}
