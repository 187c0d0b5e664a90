import type { Delta, EncodedObservation, ObservationPage, QueuedPage, RevisionDeltas } from '@elava/types';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { packer, textAt } from './byte-ranges.js';
import { redisPrefix } from './queue.js';

/**
 * A job's documents wait long enough to outlast a recorder or detector that is away for days; only
 * a backlog keeps them that long.
 */
const KEEP_SECONDS = 7 * 86_400;
/** What is left once the job is done: a retry after a crash knows it was. */
const DONE_SECONDS = 3_600;

/**
 * Documents handed from one service to the next beside a job rather than inside its JSON: a
 * scanner's page to the recorder, a revision's deltas to the detector. A first scan's 100 MB of
 * documents went as escaped strings inside JSON, twice: stringified by BullMQ, converted by
 * ioredis, parsed again on the other side, a sixth of the recorder's work (the pipeline's slowest
 * stage). Here each job's documents are one binary value that the job points into by byte range.
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

  /** Kept unless already there (a job sent again: a retried page, a resent one). */
  async put(key: string, blob: Buffer): Promise<void> {
    await this.redis.set(key, blob, 'EX', KEEP_SECONDS, 'NX');
  }

  /** The documents; empty once their job was done; null when they are gone. */
  take(key: string): Promise<Buffer | null> {
    return this.redis.getBuffer(key);
  }

  /** Several values in one round trip, each as `take` gives it. */
  async takeAll(keys: readonly string[]): Promise<(Buffer | null)[]> {
    return this.redis.mgetBuffer(...keys);
  }

  /** The job was done: its documents give way to a marker a retry recognises (all or none of several). */
  async done(...keys: string[]): Promise<void> {
    if (keys.length === 1) return void (await this.redis.set(keys[0] as string, '', 'EX', DONE_SECONDS));
    const tx = this.redis.multi();
    for (const key of keys) tx.set(key, '', 'EX', DONE_SECONDS);
    await tx.exec();
  }

  /** Queues a page (job id = page id) with its documents stashed beside it. */
  async sendPage(queue: Queue<QueuedPage>, page: ObservationPage): Promise<void> {
    const key = this.key(`page.${page.page_id}`);
    const { page: queued, blob } = packPage(page, key);
    if (blob) await this.put(key, blob);
    await queue.add('page', queued, { jobId: page.page_id });
  }

  /**
   * A queued page as the recorder takes it (a worker's `prepare`): its documents back from the
   * stash; null once it was recorded (the marker). Anything malformed is left for the schema.
   */
  async takePage(data: unknown): Promise<unknown | null> {
    const page = data as QueuedPage;
    if (page === null || typeof page !== 'object' || typeof page.documents !== 'string') return data;
    const blob = await this.take(page.documents);
    if (blob === null)
      throw new Error(
        `page ${page.page_id}: its documents are gone from Redis (${page.documents}): kept 7 days, or removed by hand`,
      );
    return blob.length === 0 ? null : unpackPage(page, blob);
  }
}

/** Moves a page's documents into one binary value, to be stashed under `key`; null when there are none. */
export function packPage(page: ObservationPage, key: string): { page: QueuedPage; blob: Buffer | null } {
  const p = packer(page.resources.map((r) => r.json));
  if (!p) return { page, blob: null };
  const resources = page.resources.map(({ json, ...rest }) => ({ ...rest, json_at: p.place(json) }));
  return { page: { ...page, resources, documents: key }, blob: p.blob };
}

/** A page with its documents' text back; a resource whose range is not in the blob keeps none (the schema names it). */
export function unpackPage(page: QueuedPage, blob: Buffer): QueuedPage {
  const resources = page.resources.map((r) => {
    if (!('json_at' in r) || 'json' in r) return r;
    const json = textAt(blob, r.json_at);
    // The range stays: the recorder hands the page's value on to the detector rather than a copy.
    return json === undefined ? r : ({ ...r, json } as EncodedObservation);
  });
  return { ...page, resources };
}

/**
 * The previous version's hand-over (the deltas' documents stashed, their metadata in the job),
 * replaced by packRevision: kept so the jobs it queued are still read, and tested as such.
 */
export function packDocuments(rd: RevisionDeltas, key: string): { deltas: RevisionDeltas; blob: Buffer | null } {
  const p = packer(rd.deltas.flatMap((d) => [d.current_json ?? '', d.previous_json ?? '']));
  if (!p) return { deltas: rd, blob: null };
  const deltas = rd.deltas.map(({ current_json, previous_json, ...rest }) => {
    const d: Delta = rest;
    if (current_json !== undefined) d.current_at = p.place(current_json);
    if (previous_json !== undefined) d.previous_at = p.place(previous_json);
    return d;
  });
  return { deltas: { ...rd, deltas, documents: key }, blob: p.blob };
}

/** The deltas with their documents' text back from the stash; throws on a range outside it. */
export function unpackDocuments(rd: RevisionDeltas, blob: Buffer): RevisionDeltas {
  const text = (range: [number, number]): string => {
    const t = textAt(blob, range);
    if (t === undefined)
      throw new Error(
        `revision ${rd.revision}: a document range [${range}] lies outside its ${blob.length}-byte stash`,
      );
    return t;
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
