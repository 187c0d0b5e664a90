import { formatResourceId, type ResourceType, scopeKey } from '@elava/types';

export interface AwsTag {
  Key?: string;
  Value?: string;
}

/** Every tag, as AWS has it: a fixed list once dropped the rest. */
export function tagsOf(list: AwsTag[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  // Keys in sorted order: the encoder then has nothing to re-sort.
  const sortedList = [...(list ?? [])].sort((a, b) => ((a.Key ?? '') < (b.Key ?? '') ? -1 : 1));
  for (const t of sortedList) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return tags;
}

export function iso(d: Date | string | undefined): string | undefined {
  if (d === undefined) return undefined;
  if (d instanceof Date) return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  const date = new Date(d);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Sorted copies so that AWS's own ordering never reads as drift. */
export function sorted(values: (string | undefined)[] | undefined): string[] {
  return [...new Set((values ?? []).filter((v): v is string => typeof v === 'string' && v !== ''))].sort();
}

export function byKey<T>(items: T[], key: (t: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Drops undefined members so that absent and undefined encode alike. Copies rather than deletes:
 * `delete` turns an object into a slow dictionary, and encoding runs once per resource per scan.
 */
export function compact<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = o[k];
  return out as T;
}

export interface Place {
  account: string;
  region: string;
}

const prefixes = new Map<string, string>();

/** Canonical id; account, region and type are checked once per scope, the native id every time. */
function resourceId(place: Place, type: ResourceType, nativeId: string): string {
  const key = scopeKey({ account: place.account, region: place.region, type });
  let prefix = prefixes.get(key);
  if (prefix === undefined) {
    prefix = formatResourceId({
      provider: 'aws',
      account: place.account,
      region: place.region,
      type,
      nativeId: 'x',
    }).slice(0, -1);
    prefixes.set(key, prefix);
  }
  if (nativeId === '') throw new MalformedResponseError(`${type} native id`);
  return prefix + nativeId;
}

/** The common part of every resource. */
export function base<T extends ResourceType>(
  place: Place,
  type: T,
  nativeId: string,
  tags: Record<string, string>,
  fallbackName = '',
) {
  return {
    id: resourceId(place, type, nativeId),
    provider: 'aws' as const,
    account: place.account,
    region: place.region,
    type,
    native_id: nativeId,
    name: tags.Name ?? fallbackName,
    tags,
  };
}

/** A response field that must be there; a missing one is a malformed answer, not an empty estate. */
export function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null || value === '') throw new MalformedResponseError(what);
  return value;
}

export class MalformedResponseError extends Error {
  constructor(what: string) {
    super(`malformed AWS response: ${what} is missing`);
    this.name = 'MalformedResponseError';
  }
}
