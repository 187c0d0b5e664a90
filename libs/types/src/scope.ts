import { formatResourceId } from './resource-id.js';
import { isResourceType, type ResourceType } from './resource-type.js';

/**
 * What a scan covers. A resource may be called "disappeared" only by a scan of a scope that
 * contains it, that completed cleanly, and that was not filtered.
 */
export interface Scope {
  account: string;
  region: string;
  type: ResourceType;
  /** A server-side or post filter; a filtered scope never tombstones anything. */
  filter?: ScopeFilter;
}

export interface ScopeFilter {
  tags?: Record<string, string | string[]>;
}

/** A stable string key for a scope: the same scope always yields the same key. */
export function scopeKey(scope: Scope): string {
  const base = `${scope.account}/${scope.region}/${scope.type}`;
  if (!scope.filter?.tags || Object.keys(scope.filter.tags).length === 0) return base;
  const tags = Object.keys(scope.filter.tags)
    .sort()
    .map((k) => {
      const v = scope.filter?.tags?.[k];
      return `${k}=${Array.isArray(v) ? [...v].sort().join('|') : v}`;
    })
    .join(',');
  return `${base}?${tags}`;
}

export function isFiltered(scope: Scope): boolean {
  return !!scope.filter?.tags && Object.keys(scope.filter.tags).length > 0;
}

/** Whether a resource id (account, region, type) falls inside an unfiltered scope. */
export function scopeContains(scope: Scope, r: { account: string; region: string; type: string }): boolean {
  return scope.account === r.account && scope.region === r.region && scope.type === r.type;
}

/** The account, region and type of a scope key (`scopeKey`); the filter part is not parsed back. */
export function parseScopeKey(key: string): { account: string; region: string; type: ResourceType } {
  const [base = ''] = key.split('?');
  const [account, region, type, ...rest] = base.split('/');
  if (!account || !region || !type || rest.length > 0 || !isResourceType(type))
    throw new Error(`invalid scope key ${JSON.stringify(key)}: expected <account>/<region>/<type>[?<tags>]`);
  return { account, region, type };
}

/**
 * The id of something a decision is about that is a scope's rather than one resource's (an
 * expected inventory entry, the population guard): a canonical id whose native part names it.
 */
export function scopeSubjectId(scope: { account: string; region: string; type: ResourceType }, name: string): string {
  return formatResourceId({ provider: 'aws', ...scope, nativeId: name });
}
