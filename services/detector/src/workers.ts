import { createHash } from 'node:crypto';
import { createQueue, createWorker, type JetStreamClient, publishEvent, QUEUES, subjects } from '@elava/bus';
import type { Logger } from '@elava/log';
import type { AuditEntryDraft, PolicyRequest } from '@elava/types';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { Detector, type DetectorSettings, type PublishedChange, type RevisionDeltas } from './detector.js';

export interface DetectorWiring {
  settings: DetectorSettings;
  js: JetStreamClient;
  producer: Redis;
  consumer: Redis;
  log: Logger;
  prefix?: string;
}

/** The shape is the recorder's own; here only the envelope is checked, the deltas are trusted. */
const revisionDeltasSchema = z.object({
  revision: z.number().int().positive(),
  time: z.string(),
  scope: z.object({ account: z.string(), region: z.string(), type: z.string() }),
  scan_id: z.string(),
  deltas: z.array(
    z.object({ id: z.string(), kind: z.enum(['added', 'modified', 'reappeared', 'tombstoned']) }).passthrough(),
  ),
}) as unknown as z.ZodType<RevisionDeltas>;

const heldSchema = z
  .object({ id: z.string(), type: z.literal('disappeared'), resource_id: z.string() })
  .passthrough() as unknown as z.ZodType<PublishedChange>;

/** Many requests in flight at once (JetStream acks and Redis replies pipeline), a bounded number. */
async function inChunks<T>(items: T[], fn: (item: T) => Promise<unknown>, size = 256): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

const heldJobId = (resourceId: string) => `gone-${createHash('sha1').update(resourceId).digest('hex')}`;

/**
 * Deltas in from the recorder's queue (one revision at a time, in order), changes out on
 * `elava.changes.<type>` with the change id as message id (so a retried revision publishes
 * nothing twice), the audit entry through the recorder's audit queue, and each change on to
 * policy evaluation. Disappearances wait out the grace period as delayed jobs.
 */
export function startDetector(w: DetectorWiring) {
  const audit = createQueue<AuditEntryDraft>(QUEUES.audit, { connection: w.producer, prefix: w.prefix });
  const policy = createQueue<PolicyRequest>(QUEUES.policy, { connection: w.producer, prefix: w.prefix });
  const recheck = createQueue<PublishedChange>(QUEUES.recheck, { connection: w.producer, prefix: w.prefix });
  const detector = new Detector(
    w.settings,
    {
      publish: (changes) => inChunks(changes, (c) => publishEvent(w.js, subjects.change(c.type), c, c.id)),
      // The key goes in the draft too: the recorder writes a key once even if the job is re-added.
      audit: async (draft, key) => void (await audit.add(draft.type, { ...draft, key }, { jobId: key })),
      evaluate: async (request) => void (await policy.add('evaluate', request, { jobId: request.key })),
      holdDisappearance: async (c, delay) =>
        void (await recheck.add('gone', c, { jobId: heldJobId(c.resource_id), delay })),
      withdrawDisappearances: (resourceIds) =>
        inChunks(resourceIds, async (resourceId) => {
          const job = await recheck.getJob(heldJobId(resourceId));
          if (job && (await job.isDelayed())) {
            await job.remove();
            w.log.info({ resource: resourceId }, 'disappearance withdrawn: it came back within the grace period');
          }
        }),
    },
    w.log,
  );
  const deltas = createWorker<RevisionDeltas>(QUEUES.deltas, async (rd) => void (await detector.handle(rd)), {
    connection: w.consumer,
    prefix: w.prefix,
    schema: revisionDeltasSchema,
    log: w.log,
    concurrency: 1,
  });
  const held = createWorker<PublishedChange>(QUEUES.recheck, (c) => detector.graceOver(c), {
    connection: w.consumer.duplicate(),
    prefix: w.prefix,
    schema: heldSchema,
    log: w.log,
    concurrency: 1,
  });
  return {
    detector,
    policy,
    async close() {
      await deltas.close();
      await held.close();
      await audit.close();
      await policy.close();
      await recheck.close();
    },
  };
}
