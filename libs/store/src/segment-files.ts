import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { segmentName } from './format/segment.js';

export interface DocRef {
  seg: number;
  off: number;
  len: number;
}

/** Reads that are this close together on disk are served by one read. */
const MERGE_GAP = 64 * 1024;
const MAX_READ = 8 * 1024 * 1024;

/** Read-only handles on the segments; positional reads never move a shared cursor. */
export class SegmentFiles {
  private readonly fds = new Map<number, number>();

  constructor(private readonly dir: string) {}

  private fd(seg: number): number {
    let fd = this.fds.get(seg);
    if (fd === undefined) {
      fd = openSync(join(this.dir, segmentName(seg)), 'r');
      this.fds.set(seg, fd);
    }
    return fd;
  }

  read(ref: DocRef): Buffer {
    const buf = Buffer.allocUnsafe(ref.len);
    const n = readSync(this.fd(ref.seg), buf, 0, ref.len, ref.off);
    if (n !== ref.len) throw new Error(`short read in ${segmentName(ref.seg)} at ${ref.off}: ${n} of ${ref.len} bytes`);
    return buf;
  }

  readString(ref: DocRef): string {
    return this.read(ref).toString('utf8');
  }

  /** Reads many documents, merging neighbours into few large reads; results in input order. */
  readMany(refs: DocRef[]): string[] {
    const order = refs
      .map((_, i) => i)
      .sort((a, b) => {
        const x = refs[a] as DocRef;
        const y = refs[b] as DocRef;
        return x.seg - y.seg || x.off - y.off;
      });
    const out: string[] = new Array(refs.length);
    let i = 0;
    while (i < order.length) {
      const first = refs[order[i] as number] as DocRef;
      let end = first.off + first.len;
      let j = i + 1;
      while (j < order.length) {
        const r = refs[order[j] as number] as DocRef;
        if (r.seg !== first.seg || r.off - end > MERGE_GAP || r.off + r.len - first.off > MAX_READ) break;
        end = Math.max(end, r.off + r.len);
        j++;
      }
      const chunk = this.read({ seg: first.seg, off: first.off, len: end - first.off });
      for (let k = i; k < j; k++) {
        const r = refs[order[k] as number] as DocRef;
        out[order[k] as number] = chunk.toString('utf8', r.off - first.off, r.off - first.off + r.len);
      }
      i = j;
    }
    return out;
  }

  /** Forgets a segment's handle, after compaction replaced or removed the file. */
  drop(seg: number): void {
    const fd = this.fds.get(seg);
    if (fd !== undefined) closeSync(fd);
    this.fds.delete(seg);
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
