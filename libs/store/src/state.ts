import type { Scope, Tags } from '@elava/types';
import { scopeKey } from '@elava/types';
import type { KeyIndex } from './key-index.js';
import { pushTo } from './multimap.js';
import type { RevisionMeta } from './record-codec.js';
import { RevisionClock } from './revision-clock.js';
import { type KeyLabeler, TreeIndex } from './tree-index.js';
import { HASH_BYTES, VersionTable } from './version-table.js';

export interface ScanMark {
  revision: number;
  time: string;
  observed: number;
}

export interface ScopeState {
  key: string;
  scope: Scope;
  last_scan: ScanMark & { complete: boolean; observed_at?: string; batch: string };
  /** The last scan of this scope that completed cleanly. */
  last_complete?: ScanMark;
}

export interface RevisionEntry {
  batch: string;
  scope: string;
  observed: number;
  unchanged: number;
  /** Rows written in this revision, in sub order. */
  rows: number[];
}

/** Batch ids remembered for idempotent retries; past this the oldest are forgotten. */
const MAX_BATCH_IDS = 500_000;

/** Where each audit entry lives, by sequence number (1-based, never compacted). */
export class AuditIndex {
  seg: number[] = [];
  off: number[] = [];
  len: number[] = [];
  time: number[] = [];
  resource: string[] = [];
  /** Index into AUDIT_ENTRY_TYPES, so a query by type never reads entries it will not return. */
  type: number[] = [];
  byResource = new Map<string, number[]>();
  /** Idempotency keys of recent entries → seq; past MAX_BATCH_IDS the oldest are forgotten. */
  keys = new Map<string, number>();
  lastHash = '0'.repeat(64);

  get seq(): number {
    return this.seg.length;
  }

  add(seq: number, resource: string, time: number, hash: string, type: number, key?: string): void {
    if (seq !== this.seg.length + 1) throw new Error(`audit seq ${seq} out of order (expected ${this.seg.length + 1})`);
    if (key !== undefined) {
      this.keys.set(key, seq);
      if (this.keys.size > MAX_BATCH_IDS) {
        const oldest = this.keys.keys().next().value;
        if (oldest !== undefined) this.keys.delete(oldest);
      }
    }
    this.seg.push(-1);
    this.off.push(-1);
    this.len.push(0);
    this.time.push(time);
    this.resource.push(resource);
    this.type.push(type);
    this.lastHash = hash;
    if (resource) pushTo(this.byResource, resource, seq);
  }

  place(seq: number, seg: number, off: number, len: number): void {
    this.seg[seq - 1] = seg;
    this.off[seq - 1] = off;
    this.len[seq - 1] = len;
  }
}

/**
 * Everything the store knows in memory: the version table and its indexes, the clock, scopes,
 * batch ids and the audit index. Live writes and recovery change it through the same methods,
 * so a rebuilt index equals the live one.
 */
/**
 * What the live write path already holds for a revision's versions, so applying it does not look
 * each key up again nor decode each hash back from base64: the key indexes and the raw hashes
 * (HASH_BYTES each, in tuple order; a tombstone's are ignored).
 */
export interface StagedKeys {
  keys: KeyIndex[];
  hashes: Uint8Array;
}

export class StoreState {
  table = new VersionTable();
  tree: TreeIndex;
  clock = new RevisionClock();
  scopes = new Map<string, ScopeState>();
  batches = new Map<string, number>();
  revisions = new Map<number, RevisionEntry>();
  audit = new AuditIndex();
  compactedAt = 0;
  /** Live rows (the table may hold dropped ones until it is rebuilt). */
  versions = 0;

  constructor(readonly labels: KeyLabeler) {
    this.tree = new TreeIndex(this.table, labels);
  }

  get lastRevision(): number {
    return this.clock.last;
  }

  /** Applies a revision's metadata; documents are placed on disk later with `place`. */
  applyRevision(meta: RevisionMeta, staged?: StagedKeys): number[] {
    const time = this.clock.record(meta.m, meta.t);
    const rows: number[] = [];
    const v = meta.v;
    for (let i = 0; i < v.length; i++) {
      const [id, sub, hash, len, created, ver, tags] = v[i] as RevisionMeta['v'][number];
      const ki = staged ? (staged.keys[i] as KeyIndex) : this.tree.getOrCreate(id);
      const last = ki.latest();
      const prevTags = last >= 0 ? this.table.tags[last] : null;
      const shared = shareTags(tags, prevTags);
      const raw =
        hash === ''
          ? null
          : staged
            ? staged.hashes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES)
            : Buffer.from(hash, 'base64');
      const row = this.table.add(ki, meta.m, sub, len, created, ver, raw, shared);
      ki.append(row, hash);
      if (shared !== prevTags) this.tree.indexTags(ki, shared, prevTags);
      rows.push(row);
    }
    this.versions += rows.length;
    const key = scopeKey(meta.s);
    const iso = new Date(time).toISOString();
    const mark = { revision: meta.m, time: iso, observed: meta.n };
    const prior = this.scopes.get(key);
    this.scopes.set(key, {
      key,
      scope: meta.s,
      last_scan: {
        ...mark,
        complete: meta.c,
        batch: meta.b,
        ...(meta.o !== undefined ? { observed_at: new Date(meta.o).toISOString() } : {}),
      },
      last_complete: meta.c ? mark : prior?.last_complete,
    });
    this.rememberBatch(meta.b, meta.m);
    // Below the compaction point a revision is only history of the clock, scopes and batch ids.
    if (meta.m >= this.compactedAt) {
      this.revisions.set(meta.m, { batch: meta.b, scope: key, observed: meta.n, unchanged: meta.u, rows });
    }
    return rows;
  }

  /** Gives each written document its place: consecutive from `docOffset` in segment `seg`. */
  place(rows: number[], seg: number, docOffset: number): void {
    let off = docOffset;
    for (const r of rows) {
      this.table.seg[r] = seg;
      this.table.off[r] = off;
      off += this.table.len[r] as number;
    }
  }

  rememberBatch(batch: string, main: number): void {
    this.batches.set(batch, main);
    if (this.batches.size > MAX_BATCH_IDS) {
      const oldest = this.batches.keys().next().value;
      if (oldest !== undefined) this.batches.delete(oldest);
    }
  }

  /** Drops rows below `rev` (keeping the newest at or before it), then rebuilds the table without them. */
  applyCompaction(rev: number): void {
    if (rev <= this.compactedAt) return;
    for (const ki of this.tree.all()) this.versions -= ki.compact(rev);
    for (const main of this.revisions.keys()) {
      if (main >= rev) break;
      this.revisions.delete(main);
    }
    this.compactedAt = rev;
    this.rebuildTable();
  }

  /** Renumbers rows densely in key order; every holder of a row number is remapped. */
  rebuildTable(): void {
    const keep: number[] = [];
    for (const ki of this.tree.all()) keep.push(...ki.rows);
    const map = this.table.rebuild(keep);
    for (const ki of this.tree.all()) ki.rows = ki.rows.map((r) => map[r] as number);
    for (const entry of this.revisions.values()) entry.rows = entry.rows.map((r) => map[r] as number);
  }
}

/**
 * Tags rarely change between versions of one resource: reuse the previous version's object
 * when equal, so a million versions do not hold a million copies.
 */
function shareTags(tags: Tags | null, previous: Tags | null | undefined): Tags | null {
  if (!tags) return null;
  if (previous && sameTags(tags, previous)) return previous;
  return Object.freeze({ ...tags });
}

function sameTags(a: Tags, b: Tags): boolean {
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}
