import { auditDraftSchema, createQueue, createWorker, observationPageSchema, QUEUES } from '@elava/bus';
import type { Logger } from '@elava/log';
import type { Store } from '@elava/store';
import type { AuditEntryDraft, ObservationPage, PolicyRequest } from '@elava/types';
import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { Recorder, type RevisionDeltas } from './recorder.js';
import type { WalPublisher } from './wal-publisher.js';

export interface RecorderWiring {
  store: Store;
  wal: WalPublisher;
  producer: Redis;
  consumer: Redis;
  log: Logger;
  prefix?: string;
  onPage?: (page: ObservationPage, revision: number, changed: number) => void;
}

/**
 * The recorder's queue side: one page at a time (the store orders writes anyway, and one at a time
 * keeps a scan's pages in order), the audit queue beside it, deltas out to the detector's queue with
 * the revision as job id (a retried page that hands a revision over again is deduplicated while the
 * job is kept, and the detector is idempotent by change id after that).
 */

export function startRecorder(w: RecorderWiring): {
  recorder: Recorder;
  workers: Worker[];
  deltas: Queue<RevisionDeltas>;
  close(): Promise<void>;
} {
  const deltas = createQueue<RevisionDeltas>(QUEUES.deltas, {
    connection: w.producer,
    prefix: w.prefix,
    // Deltas carry documents, so few are kept; the detector is idempotent by change id anyway.
    defaultJobOptions: { removeOnComplete: { age: 3_600, count: 1_000 } },
  });
  const policy = createQueue<PolicyRequest>(QUEUES.policy, { connection: w.producer, prefix: w.prefix });
  const recorder = new Recorder(
    w.store,
    w.wal,
    {
      send: async (d) => void (await deltas.add('deltas', d, { jobId: `rev-${d.revision}` })),
      scopeComplete: async (req) => void (await policy.add('evaluate', req, { jobId: req.key })),
    },
    w.log,
  );
  const pages = createWorker<ObservationPage>(
    QUEUES.observations,
    async (page) => {
      const r = await recorder.recordPage(page);
      if (r) w.onPage?.(page, r.revision, r.deltas.length);
    },
    {
      connection: w.consumer,
      prefix: w.prefix,
      schema: observationPageSchema,
      log: w.log,
      concurrency: 1,
    },
  );
  const audit = createWorker<AuditEntryDraft>(
    QUEUES.audit,
    async (draft, job) => {
      // The job (id and creation time, as ids restart with a new Redis) keys the entry: a draft redelivered after a crash between commit and ack lands once.
      await recorder.recordAudit({ ...draft, key: draft.key ?? `job:${job.id}@${job.timestamp}` });
    },
    {
      connection: w.consumer.duplicate(),
      prefix: w.prefix,
      schema: auditDraftSchema,
      log: w.log,
      concurrency: 1,
    },
  );
  return {
    recorder,
    workers: [pages, audit],
    deltas,
    async close() {
      await pages.close();
      await audit.close();
      await deltas.close();
      await policy.close();
    },
  };
}
