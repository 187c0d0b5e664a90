import { closeSync, fdatasync, fsyncSync, writev } from 'node:fs';
import { promisify } from 'node:util';
import { StoreFailedError } from './errors.js';
import { FRAME_BYTES, frame, type RecordType } from './format/record.js';
import { createSegment, SEGMENT_HEADER_BYTES } from './format/segment.js';

const writevP = promisify(writev);
const fdatasyncP = promisify(fdatasync);

/** A record waiting to be written. `build` runs once, at flush, and gets the record's place. */
export interface PendingRecord {
  type: RecordType;
  payload(): Buffer;
  /** Called with the segment and the file offset of the payload's first byte. */
  placed(seg: number, payloadOffset: number): void;
}

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
 * fsync that covers its record. An I/O error stops all writing until the store is reopened.
 */
export class LogWriter {
  private queue: { rec: PendingRecord; waiter: Waiter }[] = [];
  private running = false;
  private failure: Error | null = null;
  private idleWaiters: (() => void)[] = [];

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

  get failed(): Error | null {
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

  private rotateSync(nextFirstRevision: number): void {
    if (this.sync) fsyncSync(this.fd);
    closeSync(this.fd);
    this.seg += 1;
    this.fd = createSegment(this.dir, this.seg, nextFirstRevision);
    this.size = SEGMENT_HEADER_BYTES;
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0 && !this.failure) {
      const group = this.queue.splice(0);
      try {
        let bufs: Buffer[] = [];
        let start = this.size;
        for (const { rec } of group) {
          const payload = rec.payload();
          const length = FRAME_BYTES + payload.length;
          if (this.size > SEGMENT_HEADER_BYTES && this.size + length > this.segmentBytes) {
            if (bufs.length > 0) await writevP(this.fd, bufs, start);
            bufs = [];
            this.rotateSync(this.hooks.nextRevision());
            start = this.size;
          }
          rec.placed(this.seg, this.size + FRAME_BYTES);
          bufs.push(frame(rec.type, payload));
          this.size += length;
        }
        if (bufs.length > 0) await writevP(this.fd, bufs, start);
        if (this.sync) await fdatasyncP(this.fd);
      } catch (err) {
        this.failure = new StoreFailedError(err);
        for (const { waiter } of [...group, ...this.queue.splice(0)]) waiter.reject(this.failure);
        break;
      }
      for (const { waiter } of group) waiter.resolve();
      if (this.queue.length === 0) this.hooks.afterFlush();
    }
    this.running = false;
    for (const r of this.idleWaiters.splice(0)) r();
  }

  close(): void {
    if (this.sync && !this.failure) fsyncSync(this.fd);
    closeSync(this.fd);
  }
}
