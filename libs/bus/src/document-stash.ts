import type { Delta, RevisionDeltas } from '@elava/types';
import type { Redis } from 'ioredis';
import { redisPrefix } from './queue.js';

/**
 * A revision's documents wait here, beside its deltas job, long enough to outlast a detector that
 * is away for days; a backlog is the only thing that keeps them.
 */
const KEEP_SECONDS = 7 * 86_400;
/** What is left once the detector is done: a retry after a crash knows the revision was handled. */
const DONE_SECONDS = 3_600;

/**
 * The recorder → detector hand-over of documents, out of the job's JSON. A first scan's deltas
 * carried 100 MB of documents as escaped strings inside JSON: stringified by BullMQ, converted by
 * ioredis, parsed again by the detector, a sixth of the recorder's work (the pipeline's slowest
 * stage). Here they are one binary value per revision that the deltas point into.
 */
export class DocumentStash {
  private readonly base: string;

  constructor(
    private readonly redis: Redis,
    prefix?: string,
  ) {
    this.base = `${redisPrefix(prefix)}:documents:`;
  }

  key(id: string): string {
    return `${this.base}${id}`;
  }

  /** Kept unless already there (a retried page hands the same revision over again). */
  async put(key: string, blob: Buffer): Promise<void> {
    await this.redis.set(key, blob, 'EX', KEEP_SECONDS, 'NX');
  }

  /** The documents; empty once the revision was handled; null when they are gone. */
  take(key: string): Promise<Buffer | null> {
    return this.redis.getBuffer(key);
  }

  /** The revision was handled: its documents give way to a marker a retry recognises. */
  async done(key: string): Promise<void> {
    await this.redis.set(key, '', 'EX', DONE_SECONDS);
  }
}

/** Moves the deltas' documents into one binary value, to be stashed under `key`; null when there are none. */
export function packDocuments(rd: RevisionDeltas, key: string): { deltas: RevisionDeltas; blob: Buffer | null } {
  let bytes = 0;
  for (const d of rd.deltas) {
    if (d.current_json !== undefined) bytes += Buffer.byteLength(d.current_json);
    if (d.previous_json !== undefined) bytes += Buffer.byteLength(d.previous_json);
  }
  if (bytes === 0) return { deltas: rd, blob: null };
  const blob = Buffer.allocUnsafe(bytes);
  let at = 0;
  const place = (text: string): [number, number] => {
    const n = blob.write(text, at);
    const range: [number, number] = [at, n];
    at += n;
    return range;
  };
  const deltas = rd.deltas.map(({ current_json, previous_json, ...rest }) => {
    const d: Delta = rest;
    if (current_json !== undefined) d.current_at = place(current_json);
    if (previous_json !== undefined) d.previous_at = place(previous_json);
    return d;
  });
  return { deltas: { ...rd, deltas, documents: key }, blob };
}

/** The deltas with their documents' text back from the stash; throws on a range outside it. */
export function unpackDocuments(rd: RevisionDeltas, blob: Buffer): RevisionDeltas {
  const text = (range: [number, number]): string => {
    const [at, n] = range;
    if (!Number.isInteger(at) || !Number.isInteger(n) || at < 0 || n < 0 || at + n > blob.length)
      throw new Error(
        `revision ${rd.revision}: a document range [${range}] lies outside its ${blob.length}-byte stash`,
      );
    return blob.toString('utf8', at, at + n);
  };
  const deltas = rd.deltas.map(({ current_at, previous_at, ...rest }) => {
    const d: Delta = rest;
    if (current_at) d.current_json = text(current_at);
    if (previous_at) d.previous_json = text(previous_at);
    return d;
  });
  const { documents: _key, ...out } = rd;
  return { ...out, deltas };
}
