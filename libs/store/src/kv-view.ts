import type { AnyResource } from '@elava/types';
import type { StoreCore } from './core.js';
import { diff, type ListKeys } from './diff.js';
import { CompactedError, FutureRevisionError } from './errors.js';
import { type DiffFilter, type DiffOptions, type EstateDiffEntry, estateDiff } from './estate-diff.js';
import type { KeyIndex } from './key-index.js';
import { parseSelector, type RevisionSelector } from './selector.js';
import type { ScopeState } from './state.js';
import { firstAfter, type RangeFilter } from './tree-index.js';
import type { ChangeRecord, DeltaKind, HistoryEntry, StoredVersion, VersionMeta } from './types.js';

/** Where a range takes its candidates from: a secondary index's sorted list, or a walk of the id tree. */
type Source =
  | { list: readonly KeyIndex[]; at: number; iter?: undefined }
  | { list?: undefined; iter: Iterator<KeyIndex> };

/** Rows read from the log in one go by a range: large ranges stream in chunks of this many. */
const READ_CHUNK = 512;

/**
 * Reads at a revision (as etcd's kv_view): everything here sees committed revisions only, and
 * never changes the state.
 */
export class KvView {
  constructor(private readonly core: StoreCore) {}

  /** Resolves a revision number, time or age to a readable revision. */
  resolve(at?: RevisionSelector): number {
    const { state, committed } = this.core;
    if (at === undefined) return committed;
    const sel = parseSelector(at);
    const rev = sel instanceof Date ? Math.min(state.clock.revisionAt(sel.getTime()), committed) : sel;
    if (rev > committed) throw new FutureRevisionError(rev, committed);
    if (rev < state.compactedAt) throw new CompactedError(rev, state.compactedAt);
    return rev;
  }

  timeOf(main: number): string | undefined {
    const t = this.core.state.clock.timeOf(main);
    return t === undefined ? undefined : new Date(t).toISOString();
  }

  get(id: string, at?: RevisionSelector): StoredVersion | null {
    const rev = this.resolve(at);
    const ki = this.core.state.tree.get(id);
    const row = ki ? ki.liveAt(rev) : -1;
    if (!ki || row < 0) return null;
    return this.stored(ki, row, this.core.files.readString(this.core.docRef(row)));
  }

  /**
   * Live resources at a revision, in id order, read in chunks so large ranges stream. With
   * `raw`, each carries its stored JSON instead of a parsed resource (an API can send it as is).
   */
  *range(
    filter: RangeFilter = {},
    opts: { at?: RevisionSelector; after?: string; limit?: number; raw?: boolean } = {},
  ): Generator<StoredVersion> {
    const rev = this.resolve(opts.at);
    const tree = this.core.state.tree;
    // The work per row is in plain functions below: a generator is optimised late (no on-stack
    // replacement), and the first reads of a fresh process ran twice as slow for it.
    const sorted = tree.indexed(filter);
    const source: Source = sorted
      ? { list: sorted, at: opts.after === undefined ? 0 : firstAfter(sorted, opts.after) }
      : { iter: tree.candidates(filter, opts.after) };
    let left = opts.limit ?? Number.POSITIVE_INFINITY;
    const time = this.timeMemo();
    const keys: KeyIndex[] = [];
    const rows: number[] = [];
    while (left > 0) {
      const more = this.gather(source, rev, filter, Math.min(READ_CHUNK, left), keys, rows);
      if (rows.length > 0) {
        left -= rows.length;
        yield* this.versions(keys, rows, this.core.readDocs(rows), opts.raw === true, time);
        keys.length = 0;
        rows.length = 0;
      }
      if (!more) break;
    }
  }

  /** Fills up to `max` live matches into keys and rows; false once the source is used up. */
  private gather(
    src: Source,
    rev: number,
    filter: RangeFilter,
    max: number,
    keys: KeyIndex[],
    rows: number[],
  ): boolean {
    const tags = this.core.state.table.tags;
    for (;;) {
      let ki: KeyIndex;
      if (src.list) {
        if (src.at >= src.list.length) return false;
        ki = src.list[src.at++] as KeyIndex;
      } else {
        const next = src.iter.next();
        if (next.done) return false;
        ki = next.value;
      }
      if (!matchesPlace(ki, filter) || (filter.prefix && !ki.id.startsWith(filter.prefix))) continue;
      const row = ki.liveAt(rev);
      if (row < 0 || (filter.tag && !matchesTag(tags[row] ?? null, filter.tag))) continue;
      keys.push(ki);
      rows.push(row);
      if (rows.length >= max) return true;
    }
  }

  private versions(
    keys: KeyIndex[],
    rows: number[],
    docs: string[],
    raw: boolean,
    time: (main: number) => string,
  ): StoredVersion[] {
    const main = this.core.state.table.main;
    const out: StoredVersion[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as number;
      const v = this.version((keys[i] as KeyIndex).id, row, time(main[row] as number));
      if (raw) v.json = docs[i] as string;
      else v.resource = JSON.parse(docs[i] as string) as AnyResource;
      out[i] = v;
    }
    return out;
  }

  /** Every retained version of one resource, oldest first, each with its diff to the one before. */
  history(id: string, listKeys?: ListKeys): HistoryEntry[] {
    const core = this.core;
    const ki = core.state.tree.get(id);
    if (!ki) return [];
    const t = core.state.table;
    const rows = ki.rows.filter((r) => (t.main[r] as number) <= core.committed);
    const docs = core.readDocs(rows);
    let before: unknown;
    return rows.map((row, i) => {
      const resource = t.isTombstone(row) ? undefined : JSON.parse(docs[i] as string);
      const entry: HistoryEntry = {
        ...this.stored(ki, row),
        ...(resource ? { resource } : {}),
        diff: i === 0 ? [] : diff(before, resource, listKeys),
      };
      before = resource;
      return entry;
    });
  }

  /**
   * Every resource added, removed or modified between two revisions (or times), compared end to
   * end with field-level diffs; read from the revisions in between, never the whole estate
   * (estate-diff.ts). In (type, id) order; `after` resumes past an id.
   */
  diffBetween(
    from: RevisionSelector,
    to: RevisionSelector,
    filter: DiffFilter = {},
    opts: DiffOptions = {},
  ): Generator<EstateDiffEntry> {
    const core = this.core;
    const source = {
      state: core.state,
      read: (rows: number[]) => core.readDocs(rows),
      version: (row: number) => this.stored(core.state.table.owner[row] as KeyIndex, row),
    };
    return estateDiff(source, this.resolve(from), this.resolve(to), filter, opts);
  }

  /** What changed after a revision (or time), in revision order. */
  changesSince(since: RevisionSelector, filter: RangeFilter = {}, limit = Number.POSITIVE_INFINITY): ChangeRecord[] {
    const from = this.resolve(since);
    const { state, committed } = this.core;
    const t = state.table;
    const out: ChangeRecord[] = [];
    for (let m = from + 1; m <= committed && out.length < limit; m++) {
      const entry = state.revisions.get(m);
      if (!entry) continue;
      for (const row of entry.rows) {
        const ki = t.owner[row] as KeyIndex;
        if (!matchesPlace(ki, filter) || (filter.prefix && !ki.id.startsWith(filter.prefix))) continue;
        if (filter.tag && !matchesTag(t.tags[row] ?? null, filter.tag)) continue;
        const prev = ki.previous(row);
        out.push({
          id: ki.id,
          kind: this.kindOf(row, prev),
          current: this.meta(row),
          previous: prev >= 0 ? this.meta(prev) : null,
        });
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  /** Per scope: the last scan and the last scan that completed cleanly. */
  scopes(): ScopeState[] {
    const committed = this.core.committed;
    return [...this.core.state.scopes.values()].filter((s) => s.last_scan.revision <= committed);
  }

  /** Formatting a time per row shows in profiles; rows of one read share few revisions. */
  timeMemo(): (main: number) => string {
    const cache = new Map<number, string>();
    // Neighbouring rows mostly share a revision: the last answer spares most lookups.
    let lastMain = -1;
    let lastIso = '';
    return (main) => {
      if (main === lastMain) return lastIso;
      lastMain = main;
      const hit = cache.get(main);
      lastIso = hit ?? '';
      if (hit !== undefined) return hit;
      if (hit !== undefined) return hit;
      const iso = this.timeOf(main) ?? '';
      cache.set(main, iso);
      lastIso = iso;
      return iso;
    };
  }

  kindOf(row: number, prev: number): DeltaKind {
    const t = this.core.state.table;
    if (t.isTombstone(row)) return 'tombstoned';
    if (t.ver[row] === 1) return prev >= 0 ? 'reappeared' : 'added';
    return 'modified';
  }

  meta(row: number, time?: string): VersionMeta {
    const t = this.core.state.table;
    const main = t.main[row] as number;
    return {
      revision: { main, sub: t.sub[row] as number },
      created: t.created[row] as number,
      version: t.ver[row] as number,
      tombstone: t.isTombstone(row),
      content_hash: t.hashString(row),
      time: time ?? this.timeOf(main) ?? '',
    };
  }

  /** A version's metadata with its id first, built in one literal (spreads showed in range profiles). */
  private version(id: string, row: number, time: string): StoredVersion {
    const t = this.core.state.table;
    return {
      id,
      revision: { main: t.main[row] as number, sub: t.sub[row] as number },
      created: t.created[row] as number,
      version: t.ver[row] as number,
      tombstone: t.isTombstone(row),
      content_hash: t.hashString(row),
      time,
    };
  }

  stored(ki: KeyIndex, row: number, json?: string): StoredVersion {
    return {
      id: ki.id,
      ...this.meta(row),
      ...(json !== undefined ? { resource: JSON.parse(json) as AnyResource } : {}),
    };
  }
}

function matchesPlace(ki: KeyIndex, f: RangeFilter): boolean {
  return (
    (!f.type || ki.type === f.type) && (!f.account || ki.account === f.account) && (!f.region || ki.region === f.region)
  );
}

function matchesTag(tags: Record<string, string> | null, tag: string | undefined): boolean {
  if (!tag) return true;
  const eq = tag.indexOf('=');
  if (eq < 0) return tags !== null && tag in tags;
  return tags?.[tag.slice(0, eq)] === tag.slice(eq + 1);
}
