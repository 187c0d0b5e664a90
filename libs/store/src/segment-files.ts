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

  /**
   * Where `readMany` reads: its chunks become strings at once, so one buffer serves every read. A
   * fresh 8 MiB buffer per chunk cost page faults and garbage collection on every range read.
   */
  private scratch = Buffer.allocUnsafe(0);

  read(ref: DocRef): Buffer {
    return this.readInto(Buffer.allocUnsafe(ref.len), ref);
  }

  private readInto(buf: Buffer, ref: DocRef): Buffer {
    const n = readSync(this.fd(ref.seg), buf, 0, ref.len, ref.off);
    if (n !== ref.len) throw new Error(`short read in ${segmentName(ref.seg)} at ${ref.off}: ${n} of ${ref.len} bytes`);
    return buf.length === ref.len ? buf : buf.subarray(0, ref.len);
  }

  /** A read into the shared scratch buffer: valid only until the next one. */
  private readScratch(ref: DocRef): Buffer {
    if (ref.len > MAX_READ) return this.read(ref);
    if (this.scratch.length < ref.len)
      this.scratch = Buffer.allocUnsafe(Math.max(ref.len, Math.min(MAX_READ, 2 * this.scratch.length)));
    return this.readInto(this.scratch, ref);
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
      const chunk = this.readScratch({ seg: first.seg, off: first.off, len: end - first.off });
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
