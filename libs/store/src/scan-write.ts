import {
  type AnyResource,
  type AuditEntryDraft,
  isFiltered,
  isResourceType,
  parseResourceId,
  type Scope,
  type Tags,
} from '@elava/types';
import { canonicalJson, contentHash } from './canonical.js';
import { InvalidWriteError } from './errors.js';
import type { Put, WriteRequest } from './kvstore-txn.js';
import type { EncodedResource, Observed } from './types.js';

/** Canonical JSON of a resource, for callers that encode once and pass `{id, json}`. */
export function encodeResource(r: AnyResource): Required<EncodedResource> {
  const json = canonicalJson(r);
  return { id: r.id, json, tags: r.tags, hash: contentHash(json).toString('base64') };
}

export interface ScanWriteOptions {
  complete?: boolean;
  /**
   * With `complete` on the last page of a scan that came in several pages: every id the whole
   * scan saw. Only resources outside it are tombstoned, whatever order the pages came in.
   */
  seen?: Iterable<string>;
  withDocuments?: boolean;
  /** When the scanner observed this page (RFC 3339); kept with the scope's last scan. */
  observedAt?: string;
  /**
   * Audit entries to commit in the same record as the revision (both or neither survive a
   * crash), made from what the revision did.
   */
  audit?: (r: { revision: number; changed: number; unchanged: number }) => AuditEntryDraft[];
}

/** The keys a store holds under a prefix (live or not): what a complete scan may tombstone. */
export interface KeySource {
  keys(prefix: string): Iterable<string>;
}

/**
 * One page of a scan as a write: a put per observed resource (the store drops unchanged ones)
 * and, when `complete` for an unfiltered scope, a delete for every resource of the scope the
 * scan did not see. Here, not in the engine, live the `aws:` id format and the resource fields.
 * Everything is checked before the store is asked for anything, so a bad page writes nothing.
 */
export function scanWrite(
  store: KeySource,
  batch: string,
  scope: Scope,
  observations: readonly Observed[],
  opts: ScanWriteOptions = {},
): WriteRequest {
  validateScope(scope);
  const inScope = scopePrefix(scope);
  // Every id is checked to start with the scope's prefix: its labels are the scope's, unparsed.
  const labels = { type: scope.type, account: scope.account, region: scope.region };
  const puts: Put[] = new Array(observations.length);
  for (let i = 0; i < observations.length; i++) {
    const o = observations[i] as Observed;
    const enc: EncodedResource = 'json' in o && typeof o.json === 'string' ? o : encodeResource(o as AnyResource);
    const { id, json } = enc;
    if (typeof id !== 'string' || id.length <= inScope.length || !id.startsWith(inScope)) checkInScope(id, scope);
    const tags = enc.tags ? checkTags(id, enc.tags) : tagsOf(id, json);
    puts[i] = { key: id, value: json, hash: enc.hash, tags, labels };
  }
  const complete = opts.complete === true;
  const observed = opts.observedAt === undefined ? Number.NaN : Date.parse(opts.observedAt);
  return {
    batch,
    scope,
    complete,
    puts,
    // The store skips keys this write also puts, and keys that are not live.
    ...(complete && !isFiltered(scope) ? { deletes: unseen(store, inScope, opts.seen) } : {}),
    ...(Number.isNaN(observed) ? {} : { observedAt: observed }),
    ...(opts.audit ? { audit: opts.audit } : {}),
    ...(opts.withDocuments !== undefined ? { withDocuments: opts.withDocuments } : {}),
  };
}

function* unseen(store: KeySource, prefix: string, seen: Iterable<string> | undefined): Generator<string> {
  const scanSeen = seen ? new Set(seen) : null;
  for (const key of store.keys(prefix)) if (!scanSeen?.has(key)) yield key;
}

/** Every id of an (account, region, type) scope starts with this. */
export function scopePrefix(scope: Scope): string {
  return `aws:${scope.account}:${scope.region}:${scope.type}:`;
}

function validateScope(scope: Scope): void {
  if (!scope || typeof scope !== 'object') throw new InvalidWriteError('scope is required');
  if (!isResourceType(scope.type)) throw new InvalidWriteError(`scope type ${JSON.stringify(scope.type)} is unknown`);
  try {
    // Every part of an id in this scope must be valid; ids are then checked by prefix alone.
    parseResourceId(`${scopePrefix(scope)}x`);
  } catch (err) {
    throw new InvalidWriteError(`scope ${scope.account}/${scope.region}/${scope.type}: ${(err as Error).message}`);
  }
}

function checkInScope(id: string, scope: Scope): void {
  let p: ReturnType<typeof parseResourceId>;
  try {
    p = parseResourceId(id);
  } catch (err) {
    throw new InvalidWriteError((err as Error).message);
  }
  if (p.account !== scope.account || p.region !== scope.region || p.type !== scope.type) {
    throw new InvalidWriteError(`${id} is outside the scope ${scope.account}/${scope.region}/${scope.type}`);
  }
}

function tagsOf(id: string, json: string): Tags {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new InvalidWriteError(`${id}: document is not JSON: ${(err as Error).message}`);
  }
  return checkTags(id, (doc as { tags?: unknown })?.tags ?? {});
}

function checkTags(id: string, tags: unknown): Tags {
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags))
    throw new InvalidWriteError(`${id}: tags must be a map`);
  return tags as Tags;
}
