import type { Tags } from '@elava/types';
import type { KeyIndex } from './key-index.js';

export const HASH_BYTES = 20;

/** One version's fields, as a plain object; only made at the edges (reads, tests). */
export interface VersionRow {
  main: number;
  sub: number;
  seg: number;
  off: number;
  len: number;
  created: number;
  ver: number;
  /** Raw sha1 of the canonical document; all zero for a tombstone. */
  hash: Uint8Array;
  tombstone: boolean;
  tags: Tags | null;
}

/**
 * Every version of every resource, in columns. A million versions take ~70 MB here where
 * one object per version took ten times that. Rows are addressed by index; a compaction
 * rebuilds the table without the dropped rows.
 */
export class VersionTable {
  size = 0;
  main = new Int32Array(1024);
  sub = new Int32Array(1024);
  seg = new Int32Array(1024);
  off = new Float64Array(1024);
  len = new Int32Array(1024);
  created = new Int32Array(1024);
  ver = new Int32Array(1024);
  tomb = new Uint8Array(1024);
  hash = new Uint8Array(1024 * HASH_BYTES);
  tags: (Tags | null)[] = [];
  owner: KeyIndex[] = [];

  get capacity(): number {
    return this.main.length;
  }

  add(
    owner: KeyIndex,
    main: number,
    sub: number,
    len: number,
    created: number,
    ver: number,
    hash: Uint8Array | null,
    tags: Tags | null,
  ): number {
    if (this.size === this.capacity) this.resize(this.capacity * 2);
    const i = this.size++;
    this.main[i] = main;
    this.sub[i] = sub;
    this.seg[i] = -1;
    this.off[i] = -1;
    this.len[i] = len;
    this.created[i] = created;
    this.ver[i] = ver;
    this.tomb[i] = hash ? 0 : 1;
    if (hash) this.hash.set(hash, i * HASH_BYTES);
    else this.hash.fill(0, i * HASH_BYTES, (i + 1) * HASH_BYTES);
    this.tags[i] = tags;
    this.owner[i] = owner;
    return i;
  }

  isTombstone(i: number): boolean {
    return this.tomb[i] === 1;
  }

  hashEquals(i: number, h: Uint8Array): boolean {
    if (this.tomb[i] === 1) return false;
    const base = i * HASH_BYTES;
    for (let k = 0; k < HASH_BYTES; k++) if (this.hash[base + k] !== h[k]) return false;
    return true;
  }

  hashString(i: number): string {
    if (this.tomb[i] === 1) return '';
    // One Buffer over the whole column, not one per call: reads format a hash per row.
    if (this.hashView?.buffer !== this.hash.buffer)
      this.hashView = Buffer.from(this.hash.buffer, this.hash.byteOffset, this.hash.byteLength);
    return this.hashView.toString('base64', i * HASH_BYTES, (i + 1) * HASH_BYTES);
  }

  private hashView: Buffer | undefined;

  row(i: number): VersionRow {
    return {
      main: this.main[i] as number,
      sub: this.sub[i] as number,
      seg: this.seg[i] as number,
      off: this.off[i] as number,
      len: this.len[i] as number,
      created: this.created[i] as number,
      ver: this.ver[i] as number,
      hash: this.hash.slice(i * HASH_BYTES, (i + 1) * HASH_BYTES),
      tombstone: this.tomb[i] === 1,
      tags: this.tags[i] ?? null,
    };
  }

  /** Keeps only `keep` (old row numbers, in the order wanted); returns old → new. */
  rebuild(keep: number[]): Int32Array {
    const map = new Int32Array(this.size).fill(-1);
    const next = new VersionTable();
    next.resize(Math.max(1024, keep.length));
    for (const old of keep) {
      const i = next.size++;
      map[old] = i;
      next.main[i] = this.main[old] as number;
      next.sub[i] = this.sub[old] as number;
      next.seg[i] = this.seg[old] as number;
      next.off[i] = this.off[old] as number;
      next.len[i] = this.len[old] as number;
      next.created[i] = this.created[old] as number;
      next.ver[i] = this.ver[old] as number;
      next.tomb[i] = this.tomb[old] as number;
      next.hash.set(this.hash.subarray(old * HASH_BYTES, (old + 1) * HASH_BYTES), i * HASH_BYTES);
      next.tags[i] = this.tags[old] ?? null;
      next.owner[i] = this.owner[old] as KeyIndex;
    }
    Object.assign(this, next);
    return map;
  }

  resize(capacity: number): void {
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(a: T, n: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a.subarray(0, Math.min(a.length, n)) as never);
      return b;
    };
    this.main = grow(this.main, capacity);
    this.sub = grow(this.sub, capacity);
    this.seg = grow(this.seg, capacity);
    this.off = grow(this.off, capacity);
    this.len = grow(this.len, capacity);
    this.created = grow(this.created, capacity);
    this.ver = grow(this.ver, capacity);
    this.tomb = grow(this.tomb, capacity);
    this.hash = grow(this.hash, capacity * HASH_BYTES);
  }
}
