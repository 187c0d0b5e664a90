import type { Scope, Tags } from '@elava/types';
import { scopeKey } from '@elava/types';
import type { KeyIndex, VersionRef } from './key-index.js';
import { pushTo } from './multimap.js';
import type { RevisionMeta } from './record-codec.js';
import { RevisionClock } from './revision-clock.js';
import { TreeIndex } from './tree-index.js';

export interface ScanMark {
  revision: number;
  time: string;
  observed: number;
}

export interface ScopeState {
  key: string;
  scope: Scope;
  last_scan: ScanMark & { complete: boolean };
  /** The last scan of this scope that completed cleanly. */
  last_complete?: ScanMark;
}

export interface Written {
  ki: KeyIndex;
  v: VersionRef;
}

export interface RevisionEntry {
  batch: string;
  scope: string;
  observed: number;
  unchanged: number;
  written: Written[];
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
  byResource = new Map<string, number[]>();
  lastHash = '0'.repeat(64);

  get seq(): number {
    return this.seg.length;
  }

  add(seq: number, resource: string, time: number, hash: string): void {
    if (seq !== this.seg.length + 1) throw new Error(`audit seq ${seq} out of order (expected ${this.seg.length + 1})`);
    this.seg.push(-1);
    this.off.push(-1);
    this.len.push(0);
    this.time.push(time);
    this.resource.push(resource);
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
 * Everything the store knows in memory: the index, the clock, scopes, batch ids and the audit
 * index. Both live writes and recovery change it through the same methods, so a rebuilt index
 * equals the live one.
 */
export class StoreState {
  tree = new TreeIndex();
  clock = new RevisionClock();
  scopes = new Map<string, ScopeState>();
  batches = new Map<string, number>();
  revisions = new Map<number, RevisionEntry>();
  audit = new AuditIndex();
  compactedAt = 0;
  versions = 0;
  private readonly tagTable = new Map<string, Tags>();

  get lastRevision(): number {
    return this.clock.last;
  }

  /** Shares one frozen object between versions with the same tags. */
  intern(tags: Tags | null): Tags | null {
    if (!tags) return null;
    const key = JSON.stringify(tags);
    let t = this.tagTable.get(key);
    if (!t) {
      t = Object.freeze({ ...tags });
      this.tagTable.set(key, t);
    }
    return t;
  }

  /** Applies a revision's metadata; versions are placed on disk later with `place`. */
  applyRevision(meta: RevisionMeta): Written[] {
    const time = this.clock.record(meta.m, meta.t);
    const written: Written[] = [];
    for (const [id, sub, hash, len, created, ver, tags] of meta.v) {
      const ki = this.tree.getOrCreate(id);
      const interned = this.intern(tags);
      const v: VersionRef = { main: meta.m, sub, seg: -1, off: -1, len, hash, created, ver, tags: interned };
      ki.append(v);
      this.tree.indexTags(ki, interned);
      written.push({ ki, v });
    }
    this.versions += written.length;
    const key = scopeKey(meta.s);
    const iso = new Date(time).toISOString();
    const mark = { revision: meta.m, time: iso, observed: meta.n };
    const prior = this.scopes.get(key);
    this.scopes.set(key, {
      key,
      scope: meta.s,
      last_scan: { ...mark, complete: meta.c },
      last_complete: meta.c ? mark : prior?.last_complete,
    });
    this.rememberBatch(meta.b, meta.m);
    // Below the compaction point a revision is only history of the clock, scopes and batch ids.
    if (meta.m >= this.compactedAt) {
      this.revisions.set(meta.m, { batch: meta.b, scope: key, observed: meta.n, unchanged: meta.u, written });
    }
    return written;
  }

  /** Gives each written document its place: consecutive from `docOffset` in segment `seg`. */
  static place(written: Written[], seg: number, docOffset: number): void {
    let off = docOffset;
    for (const { v } of written) {
      v.seg = seg;
      v.off = off;
      off += v.len;
    }
  }

  rememberBatch(batch: string, main: number): void {
    this.batches.set(batch, main);
    if (this.batches.size > MAX_BATCH_IDS) {
      const oldest = this.batches.keys().next().value;
      if (oldest !== undefined) this.batches.delete(oldest);
    }
  }

  /** Drops versions below `rev` (keeping the newest at or before it) and their revision entries. */
  applyCompaction(rev: number): void {
    if (rev <= this.compactedAt) return;
    for (const ki of this.tree.all()) this.versions -= ki.compact(rev);
    for (const main of this.revisions.keys()) {
      if (main >= rev) break;
      this.revisions.delete(main);
    }
    this.compactedAt = rev;
  }
}
