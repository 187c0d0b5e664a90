import { formatResourceId, type ResourceType } from '@elava/types';

export interface AwsTag {
  Key?: string;
  Value?: string;
}

/** Every tag, as AWS has it: a fixed list once dropped the rest. */
export function tagsOf(list: AwsTag[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of list ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return tags;
}

export function iso(d: Date | string | undefined): string | undefined {
  if (d === undefined) return undefined;
  const date = d instanceof Date ? d : new Date(d);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Sorted copies so that AWS's own ordering never reads as drift. */
export function sorted(values: (string | undefined)[] | undefined): string[] {
  return [...new Set((values ?? []).filter((v): v is string => typeof v === 'string' && v !== ''))].sort();
}

export function byKey<T>(items: T[], key: (t: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Drops undefined members so that absent and undefined encode alike. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

export interface Place {
  account: string;
  region: string;
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
    id: formatResourceId({ provider: 'aws', account: place.account, region: place.region, type, nativeId }),
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
