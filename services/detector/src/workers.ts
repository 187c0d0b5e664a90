import {
  AckedPublisher,
  AuditProducer,
  createQueue,
  createWorker,
  DocumentStash,
  heldDisappearanceSchema,
  type NatsConnection,
  parseMessage,
  QUEUES,
  revisionDeltasSchema,
  subjects,
  unpackDocuments,
  unpackRevision,
} from '@elava/bus';
import type { Logger } from '@elava/log';
import type { QueryClient } from '@elava/query';
import type { PolicyRequest } from '@elava/types';
import type { Redis } from 'ioredis';
import {
  Detector,
  type DetectorOutputs,
  type DetectorSettings,
  type PublishedChange,
  type RevisionDeltas,
} from './detector.js';
import { stillGone } from './still-gone.js';

export interface DetectorWiring {
  settings: DetectorSettings;
  nc: NatsConnection;
  producer: Redis;
  consumer: Redis;
  log: Logger;
  /** Reads of the store (the recorder answers over NATS). */
  query: QueryClient;
  prefix?: string;
  /** Who made a change a sweep saw (attribution.cloudtrail_lookup); see DetectorOutputs.attribute. */
  attribute?: DetectorOutputs['attribute'];
}

/** Enough to outlast a recorder that is away for an hour; the grace check is asked of it. */
const GRACE_CHECK_ATTEMPTS = 12;

/**
 * Deltas in from the recorder's queue (one revision at a time, in order), changes out on
 * `elava.changes.<type>` with the change id as message id (so a retried revision publishes
 * nothing twice), the audit entry through the recorder's audit queue, and each change on to
 * policy evaluation. Disappearances wait out the grace period as delayed jobs.
 */
export function startDetector(w: DetectorWiring) {
  const audit = new AuditProducer(w.producer, w.prefix);
  const policy = createQueue<PolicyRequest>(QUEUES.policy, {
    connection: w.producer,
    prefix: w.prefix,
    // A request carries its changes' documents (a first scan's, 600 KB a revision): the default
    // 10,000 kept would hold gigabytes in Redis. The policy service is idempotent by decision key.
    defaultJobOptions: { removeOnComplete: { age: 3_600, count: 1_000 } },
  });
  const recheck = createQueue<PublishedChange>(QUEUES.recheck, { connection: w.producer, prefix: w.prefix });
  const changes = new AckedPublisher(w.nc);
  const detector = new Detector(
    w.settings,
    {
      publish: async (list, texts) =>
        void (await changes.publish(
          list.map((c, i) => ({
            subject: subjects.change(c.type),
            data: texts?.[i] ?? JSON.stringify(c),
            msgID: c.id,
          })),
        )),
      audit: (draft, key) => audit.send([{ draft, key }]),
      evaluate: async (request) => void (await policy.add('evaluate', request, { jobId: request.key })),
      // The change id names the store, the resource and the revision: each disappearance its own timer.
      holdDisappearance: async (c, delay) =>
        void (await recheck.add('gone', c, { jobId: `gone-${c.id}`, delay, attempts: GRACE_CHECK_ATTEMPTS })),
      stillGone: (c) => stillGone(w.query, c),
      ...(w.attribute ? { attribute: w.attribute } : {}),
    },
    w.log,
  );
  const stash = new DocumentStash(w.producer, w.prefix);
  const deltas = createWorker<RevisionDeltas>(QUEUES.deltas, (rd) => handOver(rd, stash, detector, w.query, w.log), {
    connection: w.consumer,
    prefix: w.prefix,
    schema: revisionDeltasSchema,
    log: w.log,
    concurrency: 1,
  });
  const held = createWorker<PublishedChange>(QUEUES.recheck, (c) => detector.graceOver(c), {
    connection: w.consumer.duplicate(),
    prefix: w.prefix,
    schema: heldDisappearanceSchema,
    log: w.log,
    concurrency: 1,
  });
  return {
    detector,
    policy,
    async close() {
      await deltas.close();
      await held.close();
      changes.close();
      await audit.close();
      await policy.close();
      await recheck.close();
    },
  };
}

/**
 * One revision's deltas, their documents taken from the stash. Once handled, the documents give
 * way to a marker: a job retried after a crash just then finds it and is done. Documents gone
 * from Redis (kept 7 days: a detector away longer, or a value removed by hand) are read back
 * from the store through the recorder, so the changes are still told.
 */
async function handOver(
  rd: RevisionDeltas,
  stash: DocumentStash,
  detector: Detector,
  query: QueryClient,
  log: Logger,
): Promise<void> {
  if (!rd.documents) return void (await detector.handle(rd));
  const keys = rd.page_documents ? [rd.documents, rd.page_documents] : [rd.documents];
  const [blob, page] = await stash.takeAll(keys);
  if (blob?.length === 0) return;
  // The page's value is marked done only with the revision's own, so it is here until then.
  if (!blob || (rd.page_documents && !page?.length)) {
    const missing = blob ? rd.page_documents : rd.documents;
    log.warn({ revision: rd.revision, key: missing }, 'the deltas are gone from Redis: read back from the store');
    await detector.handle(await readBack(rd, query, missing as string));
  } else {
    // Deltas queued by an older recorder point into the stash for their documents only.
    await detector.handle(rd.stashed ? unpackRevision(rd, blob, page ?? undefined) : unpackDocuments(rd, blob));
  }
  await stash.done(...keys);
}

interface DeltasPage {
  store: string;
  revision: number;
  count: number;
  items: unknown[];
  next_cursor: string | null;
}

/** The revision's deltas as the store has them, page by page (`elava.query.deltas`), checked as a job is. */
export async function readBack(rd: RevisionDeltas, query: QueryClient, missing: string): Promise<RevisionDeltas> {
  const cannot = (why: string) =>
    new Error(`the documents of revision ${rd.revision} are gone from Redis (${missing}) and ${why}`);
  const items: unknown[] = [];
  let cursor: string | undefined;
  do {
    let page: DeltasPage;
    try {
      page = await query.get<DeltasPage>('deltas', { revision: rd.revision, ...(cursor ? { cursor } : {}) });
    } catch (err) {
      throw cannot(`the store could not give them: ${(err as Error).message}`);
    }
    if (page.store !== rd.store) throw cannot(`the recorder now holds another store (${page.store}, not ${rd.store})`);
    items.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  // An older recorder's job lists its deltas (their documents stashed); a newer one counts them.
  const expected = rd.stashed ?? rd.deltas.length;
  if (items.length !== expected)
    throw cannot(`the store has ${items.length} deltas for it where the job says ${expected}`);
  const { stashed: _n, documents: _key, page_documents: _page, ...envelope } = rd;
  return parseMessage(
    revisionDeltasSchema,
    { ...envelope, deltas: items },
    `the deltas of revision ${rd.revision} read back from the store`,
  );
}
