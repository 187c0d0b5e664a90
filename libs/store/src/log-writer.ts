import { closeSync, fsyncSync, ftruncateSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type StoreFailedError, writeFailure } from './errors.js';
import { FRAME_BYTES, type RecordType, seal } from './format/record.js';
import { createSegment, fsyncDir, SEGMENT_HEADER_BYTES, segmentName } from './format/segment.js';
import { checkFault, datasync, writeAllAt } from './log-io.js';

/** A record waiting to be written. `build` runs once, at flush, and gets the record's place. */
export interface PendingRecord {
  type: RecordType;
  /**
   * The whole record with FRAME_BYTES free at its start for the header (see `seal`), best made
   * in `alloc`'s memory: valid until the record is written, then reused.
   */
  build(alloc: (bytes: number) => Buffer): Buffer;
  /** Called with the segment and the file offset of the payload's first byte. */
  placed(seg: number, payloadOffset: number): void;
}

/** Past this the arena is not kept between groups (a rare huge group should not pin its memory). */
const MAX_ARENA_BYTES = 64 * 1024 * 1024;

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface WriterHooks {
  /** Runs after each durable flush, with nothing left in flight. */
  afterFlush(): void;
  /** For the header of a new segment: the revision its first record will carry (informational). */
  nextRevision(): number;
}

/**
 * The single writer. Records queue up while a flush is in progress and go out together: one
 * writev and one fdatasync per group (group commit). A caller is told "done" only after the
 * fsync that covers its record. A failed group is rejected whole, with everything queued behind
 * it, and cut back off the log (the segment truncated to where the group began, a segment the
 * group started removed), so the log on disk is what was acknowledged. Then the writer takes no
 * more records: a StorageUnavailableError (full, over quota, read-only) lets the store start a
 * new writer once the directory takes writes again (`Store.resume`); any other I/O error is
 * fail-stop until the store is reopened.
 */
export class LogWriter {
  private queue: { rec: PendingRecord; waiter: Waiter }[] = [];
  private running = false;
  private failure: StoreFailedError | null = null;
  private idleWaiters: (() => void)[] = [];
  /**
   * Memory the records of a group are built in, reused by the next group once this one is
   * written. A fresh megabyte per revision counted as external memory, and V8 answers every
   * 64 MiB of that with a full mark of the heap: that was most of the writer's garbage collection.
   */
  private arena = Buffer.allocUnsafe(0);
  private arenaUsed = 0;
  private readonly alloc = (bytes: number): Buffer => {
    if (this.arenaUsed + bytes > this.arena.length) {
      // Slices handed out earlier keep the old arena alive until their write is done.
      this.arena = Buffer.allocUnsafe(Math.max(bytes, Math.min(MAX_ARENA_BYTES, 2 * this.arena.length), 1 << 20));
      this.arenaUsed = 0;
    }
    const out = this.arena.subarray(this.arenaUsed, this.arenaUsed + bytes);
    this.arenaUsed += bytes;
    return out;
  };

  constructor(
    private readonly dir: string,
    private seg: number,
    private fd: number,
    private size: number,
    private readonly segmentBytes: number,
    private readonly hooks: WriterHooks,
    private readonly sync = true,
  ) {}

  get position(): { seg: number; off: number } {
    return { seg: this.seg, off: this.size };
  }

  get failed(): StoreFailedError | null {
    return this.failure;
  }

  get busy(): boolean {
    return this.running || this.queue.length > 0;
  }

  append(rec: PendingRecord): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ rec, waiter: { resolve, reject } });
      if (!this.running) {
        this.running = true;
        // Let records appended in the same tick join this group.
        setImmediate(() => void this.loop());
      }
    });
  }

  /** Resolves when nothing is queued or being written. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Starts a new segment now (compaction seals everything before it). */
  async rotate(nextFirstRevision: number): Promise<void> {
    await this.idle();
    this.rotateSync(nextFirstRevision);
  }

  /** Either everything changes or, when a call fails, nothing does (the new segment is made before the old is closed). */
  private rotateSync(nextFirstRevision: number): void {
    if (this.sync) {
      checkFault('sync', this.fd);
      fsyncSync(this.fd);
    }
    const fd = createSegment(this.dir, this.seg + 1, nextFirstRevision);
    closeSync(this.fd);
    this.seg += 1;
    this.fd = fd;
    this.size = SEGMENT_HEADER_BYTES;
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0 && !this.failure) {
      const group = this.queue.splice(0);
      const before = { seg: this.seg, size: this.size };
      // The previous group is written: its records' memory is free again.
      this.arenaUsed = 0;
      if (this.arena.length > MAX_ARENA_BYTES) this.arena = Buffer.allocUnsafe(0);
      try {
        let bufs: Buffer[] = [];
        let start = this.size;
        for (const { rec } of group) {
          const record = rec.build(this.alloc);
          const length = record.length;
          if (this.size > SEGMENT_HEADER_BYTES && this.size + length > this.segmentBytes) {
            if (bufs.length > 0) await writeAllAt(this.fd, bufs, start);
            bufs = [];
            this.rotateSync(this.hooks.nextRevision());
            start = this.size;
          }
          rec.placed(this.seg, this.size + FRAME_BYTES);
          bufs.push(seal(rec.type, record));
          this.size += length;
        }
        if (bufs.length > 0) await writeAllAt(this.fd, bufs, start);
        if (this.sync) await datasync(this.fd);
      } catch (err) {
        this.failure = writeFailure(err, this.dir);
        this.cutBack(before);
        for (const { waiter } of [...group, ...this.queue.splice(0)]) waiter.reject(this.failure);
        break;
      }
      for (const { waiter } of group) waiter.resolve();
      if (this.queue.length === 0) {
        try {
          this.hooks.afterFlush();
        } catch {
          // Only a checkpoint runs here, and it is optional: the log alone is the truth.
        }
      }
    }
    this.running = false;
    for (const r of this.idleWaiters.splice(0)) r();
  }

  /**
   * Puts the log back as it was before a failed group: a segment the group started is removed and
   * the one it began in is truncated to where it began. Best effort: where that fails too (a
   * read-only remount refuses the truncate), the next recovery cuts a torn tail, and a whole record
   * left behind is a batch the caller was told failed but that did land: a retry of it is answered
   * as already applied (batch ids and audit keys), never applied twice.
   */
  private cutBack(to: { seg: number; size: number }): void {
    try {
      if (this.seg !== to.seg) {
        const fd = openSync(join(this.dir, segmentName(to.seg)), 'r+');
        closeSync(this.fd);
        this.fd = fd;
        for (let s = this.seg; s > to.seg; s--) rmSync(join(this.dir, segmentName(s)), { force: true });
        this.seg = to.seg;
        fsyncDir(this.dir);
      }
      ftruncateSync(this.fd, to.size);
      this.size = to.size;
      if (this.sync) fsyncSync(this.fd);
    } catch {
      // See above: recovery and idempotent retries cover what is left.
    }
  }

  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    if (this.failure) {
      try {
        closeSync(fd);
      } catch {
        // the descriptor of a failed writer is only being let go
      }
      return;
    }
    if (this.sync) fsyncSync(fd);
    closeSync(fd);
  }
}
