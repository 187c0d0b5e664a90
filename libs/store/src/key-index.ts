import type { Tags } from '@elava/types';

/** Where one version lives and what it is. A tombstone has an empty hash and no document. */
export interface VersionRef {
  main: number;
  sub: number;
  /** Segment id and file offset of the document bytes; -1 until the flusher places them. */
  seg: number;
  off: number;
  len: number;
  hash: string;
  /** Main revision that began this generation (first seen, or seen again after a tombstone). */
  created: number;
  /** 1-based version within the generation. */
  ver: number;
  tags: Tags | null;
}

export const isTombstone = (v: VersionRef): boolean => v.hash === '';

/**
 * Every version of one resource, oldest first, as in etcd's keyIndex. Lookups at a revision are
 * a binary search, so "as of" never scans history.
 */
export class KeyIndex {
  readonly versions: VersionRef[] = [];

  constructor(
    readonly id: string,
    readonly type: string,
    readonly account: string,
    readonly region: string,
  ) {}

  latest(): VersionRef | undefined {
    return this.versions[this.versions.length - 1];
  }

  /** The newest version with main ≤ rev, or undefined if the resource did not exist yet. */
  at(rev: number): VersionRef | undefined {
    const vs = this.versions;
    let lo = 0;
    let hi = vs.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((vs[mid] as VersionRef).main <= rev) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? undefined : vs[found];
  }

  /** The live version at rev, or undefined if absent or a tombstone. */
  liveAt(rev: number): VersionRef | undefined {
    const v = this.at(rev);
    return v && !isTombstone(v) ? v : undefined;
  }

  /** The version just before `v` in this history. */
  previous(v: VersionRef): VersionRef | undefined {
    const i = this.versions.indexOf(v);
    return i > 0 ? this.versions[i - 1] : undefined;
  }

  append(v: VersionRef): void {
    this.versions.push(v);
  }

  /** Keeps the newest version ≤ rev and every later one; returns how many were dropped. */
  compact(rev: number): number {
    const vs = this.versions;
    let keepFrom = 0;
    for (let i = 0; i < vs.length; i++) if ((vs[i] as VersionRef).main <= rev) keepFrom = i;
    if (keepFrom > 0) vs.splice(0, keepFrom);
    return keepFrom;
  }
}
