import type { VersionTable } from './version-table.js';

/**
 * Every version of one resource, oldest first, as row numbers in the version table (as in
 * etcd's keyIndex). Lookups at a revision are a binary search, so "as of" never scans history.
 */
export class KeyIndex {
  rows: number[] = [];
  /**
   * Scratch for the write transaction being staged (kvstore-txn.ts): the transaction that last
   * saw this key, and where its put waits in that transaction (-1: none). Marking the key itself
   * spares a Set of the batch's keys, which was a large part of recording unchanged resources.
   */
  txn = 0;
  slot = -1;
  private newestHash: string | undefined;

  constructor(
    readonly id: string,
    readonly type: string,
    readonly account: string,
    readonly region: string,
    private readonly table: VersionTable,
  ) {}

  /** The newest row, or -1. */
  latest(): number {
    return this.rows.length > 0 ? (this.rows[this.rows.length - 1] as number) : -1;
  }

  /** The newest row with main ≤ rev, or -1 if the resource did not exist yet. */
  at(rev: number): number {
    const rows = this.rows;
    const main = this.table.main;
    let lo = 0;
    let hi = rows.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((main[rows[mid] as number] as number) <= rev) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? -1 : (rows[found] as number);
  }

  /** The live row at rev, or -1 if absent or a tombstone. */
  liveAt(rev: number): number {
    const r = this.at(rev);
    return r >= 0 && !this.table.isTombstone(r) ? r : -1;
  }

  /** The row just before `row` in this history, or -1. */
  previous(row: number): number {
    const i = this.rows.lastIndexOf(row);
    return i > 0 ? (this.rows[i - 1] as number) : -1;
  }

  /**
   * Appends the newest version; `hash` is its content hash in base64 as written ('' for a
   * tombstone), so that telling an unchanged observation is comparing two short strings.
   */
  append(row: number, hash?: string): void {
    this.rows.push(row);
    this.newestHash = hash;
  }

  /** The newest version's content hash in base64, '' for a tombstone or none. */
  latestHash(): string {
    if (this.newestHash === undefined) {
      const r = this.latest();
      this.newestHash = r >= 0 ? this.table.hashString(r) : '';
    }
    return this.newestHash;
  }

  /** Keeps the newest row ≤ rev and every later one; returns how many were dropped. */
  compact(rev: number): number {
    let keepFrom = 0;
    for (let i = 0; i < this.rows.length; i++)
      if ((this.table.main[this.rows[i] as number] as number) <= rev) keepFrom = i;
    if (keepFrom > 0) this.rows.splice(0, keepFrom);
    return keepFrom;
  }
}
