import type { FieldDiff } from '@elava/types';
import { diff, type ListKeys } from './diff.js';
import type { KeyIndex } from './key-index.js';
import type { StoreState } from './state.js';
import type { RangeFilter } from './tree-index.js';
import type { StoredVersion } from './types.js';
import { HASH_BYTES, type VersionTable } from './version-table.js';

export type EstateChangeKind = 'added' | 'removed' | 'modified';

/** A range filter, plus several tags that must all match (on the resource at either end). */
export interface DiffFilter extends RangeFilter {
  tags?: readonly string[];
}

/** One resource that differs between the estate at `from` and at `to`. */
export interface EstateDiffEntry {
  id: string;
  type: string;
  account: string;
  region: string;
  kind: EstateChangeKind;
  /** The version live at `from`, with its document; absent when added. */
  before?: StoredVersion;
  /** The version live at `to`, with its document; absent when removed. */
  after?: StoredVersion;
  /** The newest version written inside the window (the tombstone when removed): when it last changed. */
  last: StoredVersion;
  /** `before` → `after`, lists matched by their keys; empty when added or removed. */
  diff: FieldDiff[];
}

/** What the diff needs of the store: its index, and its documents and version metadata by row. */
export interface DiffSource {
  state: StoreState;
  /** Documents of many rows, in order (one merged read where they sit close on disk). */
  read(rows: number[]): string[];
  /** A row's id and version metadata, no document. */
  version(row: number): StoredVersion;
}

export interface DiffOptions {
  /** Resume after this id (a cursor): entries come in (type, id) order. */
  after?: string;
  /** How each type's lists are matched (the AWS readers' `listKeys`). */
  listKeys?: (type: string) => ListKeys;
}

/** Candidates whose documents are read and compared together. */
const CHUNK = 128;

/**
 * The estate at `from` against the estate at `to`, resource by resource, the way `git diff A B`
 * compares two trees: only the two ends count, so a change undone inside the window is no
 * difference and a resource that came and went inside it is nothing. The window is read in
 * revision order (each revision lists the rows it wrote), so the cost follows how much changed
 * between the two revisions, never the size of the estate. Entries come in (type, id) order.
 */
export function estateDiff(
  src: DiffSource,
  from: number,
  to: number,
  filter: DiffFilter = {},
  opts: DiffOptions = {},
): Generator<EstateDiffEntry> {
  // Checked now, not on the first read of a lazy generator.
  if (from > to) throw new RangeError(`from revision ${from} is after to revision ${to}`);
  return entries(src, from, to, filter, opts);
}

function* entries(
  src: DiffSource,
  from: number,
  to: number,
  filter: DiffFilter,
  opts: DiffOptions,
): Generator<EstateDiffEntry> {
  const tags = [...(filter.tag ? [filter.tag] : []), ...(filter.tags ?? [])];
  const t = src.state.table;
  const keys = touchedBetween(src.state, from, to, filter, opts.after);
  for (let start = 0; start < keys.length; start += CHUNK) {
    const found: { ki: KeyIndex; before: number; after: number; last: number }[] = [];
    for (const ki of keys.slice(start, start + CHUNK)) {
      const before = ki.liveAt(from);
      const last = ki.at(to);
      const after = last >= 0 && !t.isTombstone(last) ? last : -1;
      if (before < 0 && after < 0) continue; // came and went inside the window
      if (before >= 0 && after >= 0 && sameContent(t, before, after)) continue; // changed back
      if (tags.length > 0 && !(hasTags(t, before, tags) || hasTags(t, after, tags))) continue;
      found.push({ ki, before, after, last });
    }
    if (found.length === 0) continue;
    const rows = found.flatMap((f) => [f.before, f.after].filter((r) => r >= 0));
    const docs = new Map(src.read(rows).map((json, i) => [rows[i] as number, json]));
    for (const f of found) {
      const before = f.before >= 0 ? versionWith(src, f.before, docs) : undefined;
      const after = f.after >= 0 ? versionWith(src, f.after, docs) : undefined;
      const kind: EstateChangeKind = !before ? 'added' : !after ? 'removed' : 'modified';
      const fields =
        kind === 'modified' ? diff(before?.resource, after?.resource, opts.listKeys?.(f.ki.type) ?? {}) : [];
      // Another encoding of the same content (a list reordered): no difference to show.
      if (kind === 'modified' && fields.length === 0) continue;
      yield {
        id: f.ki.id,
        type: f.ki.type,
        account: f.ki.account,
        region: f.ki.region,
        kind,
        ...(before ? { before } : {}),
        ...(after ? { after } : {}),
        last: after ? withoutDocument(after) : src.version(f.last),
        diff: fields,
      };
    }
  }
}

/**
 * Every resource written in (from, to] that the filter's type and place admit, once each, in
 * (type, id) order, after the cursor. Whole revisions of another scope are skipped unread: a
 * revision is one scan page of one scope.
 */
function touchedBetween(state: StoreState, from: number, to: number, f: DiffFilter, after?: string): KeyIndex[] {
  const seen = new Set<KeyIndex>();
  const owner = state.table.owner;
  const placed = Boolean(f.type || f.account || f.region);
  for (let m = from + 1; m <= to; m++) {
    const entry = state.revisions.get(m);
    if (!entry || entry.rows.length === 0 || (placed && !scopeAdmits(entry.scope, f))) continue;
    for (const row of entry.rows) {
      const ki = owner[row] as KeyIndex;
      if (placed && !placeAdmits(ki, f)) continue;
      if (f.prefix && !ki.id.startsWith(f.prefix)) continue;
      seen.add(ki);
    }
  }
  let keys = [...seen];
  if (after !== undefined) {
    const afterType = typeOfKey(state, after);
    keys = keys.filter((ki) => ki.type > afterType || (ki.type === afterType && ki.id > after));
  }
  return keys.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A key's type label, from its index or else the store's labeler ('' for a key it refuses). */
function typeOfKey(state: StoreState, key: string): string {
  const ki = state.tree.get(key);
  if (ki) return ki.type;
  try {
    return state.labels(key).type;
  } catch {
    return '';
  }
}

/** A revision's scope key is `account/region/type`, with `?tags` when the scan was filtered. */
function scopeAdmits(scope: string, f: DiffFilter): boolean {
  const q = scope.indexOf('?');
  const [account, region, type] = (q < 0 ? scope : scope.slice(0, q)).split('/');
  return placeAdmits({ account, region, type }, f);
}

function placeAdmits(r: { account?: string; region?: string; type?: string }, f: DiffFilter): boolean {
  return (
    (!f.type || r.type === f.type) && (!f.account || r.account === f.account) && (!f.region || r.region === f.region)
  );
}

function sameContent(t: VersionTable, a: number, b: number): boolean {
  const x = a * HASH_BYTES;
  const y = b * HASH_BYTES;
  for (let k = 0; k < HASH_BYTES; k++) if (t.hash[x + k] !== t.hash[y + k]) return false;
  return true;
}

/** Whether the row (live) carries every tag: `key=value`, or `key` alone for "has the tag". */
function hasTags(t: VersionTable, row: number, tags: readonly string[]): boolean {
  if (row < 0) return false;
  const have = t.tags[row];
  if (!have) return false;
  return tags.every((tag) => {
    const eq = tag.indexOf('=');
    return eq < 0
      ? Object.hasOwn(have, tag)
      : Object.hasOwn(have, tag.slice(0, eq)) && have[tag.slice(0, eq)] === tag.slice(eq + 1);
  });
}

function versionWith(src: DiffSource, row: number, docs: Map<number, string>): StoredVersion {
  return { ...src.version(row), resource: JSON.parse(docs.get(row) as string) };
}

function withoutDocument(v: StoredVersion): StoredVersion {
  const { resource: _r, json: _j, ...meta } = v;
  return meta as StoredVersion;
}
