/**
 * A store revision, as in etcd: `main` grows by one per committed batch and is never reused,
 * `sub` orders the writes inside one batch.
 */
export interface Revision {
  main: number;
  sub: number;
}

export function compareRevisions(a: Revision, b: Revision): number {
  return a.main - b.main || a.sub - b.sub;
}

export function formatRevision(r: Revision): string {
  return `${r.main}.${r.sub}`;
}

/** One recorded version of one resource. */
export interface ResourceVersion<R = unknown> {
  id: string;
  /** Where this version was written. */
  revision: Revision;
  /** The revision that created the current generation (first seen, or re-appeared). */
  created: Revision;
  /** 1-based count of versions in this generation. */
  version: number;
  /** A tombstone marks the resource gone from a complete scan of its scope. */
  tombstone: boolean;
  /** Hash of the canonical content; equal hashes mean "unchanged". */
  content_hash: string;
  /** Absent on tombstones. */
  resource?: R;
  time: string;
}
