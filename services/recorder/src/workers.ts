import {
  auditDraftSchema,
  createQueue,
  createWorker,
  DocumentStash,
  observationPageSchema,
  packRevision,
  QUEUES,
} from '@elava/bus';
import type { Logger } from '@elava/log';
import { StorageUnavailableError, type Store, StoreFailedError } from '@elava/store';
import { type AuditEntryDraft, type ObservationPage, type PolicyRequest, storeKeys } from '@elava/types';
import { type Job, type Queue, WaitingError, type Worker } from 'bullmq';
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
  /** How often a recorder whose writes stopped on a full or read-only disk tries again (2 s). */
  storageProbeMs?: number;
}

/**
 * What the recorder does when its store stops taking writes. A full, over-quota or read-only data
 * directory (StorageUnavailableError): both workers pause, the job at hand goes back to the head
 * of its queue without using an attempt (so no page or draft ever reaches the failed set), one
 * error is logged, `check` (the readiness check) names the problem, and every `probeMs` the store
 * tries a real write (`Store.resume`); when one succeeds the workers resume and the jobs put back
 * are recorded first, each once (batch ids and audit keys make a retry of anything that did land
 * a no-op). Any other write failure is fail-stop: the same, but no probing; a restart reopens.
 */
export class StorageGate {
  private stopped: StoreFailedError | null = null;
  private since = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly workers: Worker[] = [];

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    readonly probeMs = 2_000,
  ) {}

  /** The workers to pause while writes are stopped. */
  guard(worker: Worker): void {
    this.workers.push(worker);
  }

  /** Null while writes go on; else why they stopped. */
  get problem(): StoreFailedError | null {
    return this.stopped;
  }

  /** For /readyz: throws, naming the problem, while writes are stopped. */
  check(): true {
    if (this.stopped) throw new Error(this.stopped.message);
    return true;
  }

  /**
   * Wraps a job handler: a failed store write stops the gate and puts the job back at the head of
   * its queue, unattempted, to be done again once writes resume.
   */
  wrap<T>(handler: (data: T, job: Job<T>) => Promise<void>) {
    return async (data: T, job: Job<T>, token?: string): Promise<void> => {
      try {
        await handler(data, job);
      } catch (err) {
        if (!(err instanceof StoreFailedError) || this.closed) throw err;
        this.stop(err);
        // Not this job's failure: back where it was, first in line, without using an attempt
        // (BullMQ's moveToWait; WaitingError tells the worker the job has moved). Not to the
        // delayed set: a delayed job comes back behind the pages queued after it, and a scan's
        // final page (which starts its policy evaluation) would be recorded before this one.
        await job.moveToWait(token);
        throw new WaitingError();
      }
    };
  }

  private stop(err: StoreFailedError): void {
    if (this.stopped) return;
    this.stopped = err;
    this.since = Date.now();
    for (const w of this.workers) void w.pause(true);
    if (err instanceof StorageUnavailableError) {
      this.log.error(
        { err: err.message, code: err.code, dir: err.dir, probeEveryMs: this.probeMs },
        'storage refuses writes: recording paused, nothing unrecorded acknowledged; resuming once a write succeeds',
      );
      this.schedule();
    } else {
      this.log.error(
        { err: err.message },
        'the store stopped after an I/O error: recording paused; check the disk, then restart the recorder',
      );
    }
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.probe(), this.probeMs);
  }

  private async probe(): Promise<void> {
    this.timer = null;
    if (this.closed) return;
    try {
      await this.store.resume();
    } catch (err) {
      if (this.closed) return;
      const was = this.stopped;
      if (err instanceof StorageUnavailableError) {
        this.stopped = err;
        // One line per outage, and one more only when its cause changes (full → read-only).
        if (was instanceof StorageUnavailableError && was.code !== err.code)
          this.log.error({ err: err.message, code: err.code, dir: err.dir }, 'storage still refuses writes');
        this.schedule();
        return;
      }
      this.stopped = err instanceof StoreFailedError ? err : new StoreFailedError(err);
      this.log.error(
        { err: this.stopped.message },
        'the store could not resume writing: recording stays paused; restart the recorder',
      );
      return;
    }
    if (this.closed) return;
    const pausedMs = Date.now() - this.since;
    this.stopped = null;
    for (const w of this.workers) await w.resume();
    this.log.warn({ pausedMs, revision: this.store.revision }, 'storage takes writes again: recording resumed');
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * The recorder's queue side: one page at a time (the store orders writes anyway, and one at a time
 * keeps a scan's pages in order), the audit queue beside it, a job per revision out to the
 * detector's queue with the revision as job id (a retried page that hands a revision over again is
 * deduplicated while the job is kept, and the detector is idempotent by change id after that), its
 * deltas and their documents in the stash beside it (delta-wire.ts in @elava/bus).
 */

export function startRecorder(w: RecorderWiring): {
  recorder: Recorder;
  workers: Worker[];
  deltas: Queue<RevisionDeltas>;
  storage: StorageGate;
  close(): Promise<void>;
} {
  const storage = new StorageGate(w.store, w.log, w.storageProbeMs);
  const deltas = createQueue<RevisionDeltas>(QUEUES.deltas, {
    connection: w.producer,
    prefix: w.prefix,
    // Deltas carry documents, so few are kept; the detector is idempotent by change id anyway.
    defaultJobOptions: { removeOnComplete: { age: 3_600, count: 200 } },
  });
  const policy = createQueue<PolicyRequest>(QUEUES.policy, { connection: w.producer, prefix: w.prefix });
  const stash = new DocumentStash(w.producer, w.prefix);
  // Page values a revision's job now reads from: the detector, not the page job, marks them done.
  const handedOn = new Set<string>();
  const recorder = new Recorder(
    w.store,
    w.wal,
    {
      send: async (d, page) => {
        const id = storeKeys.revision(d.store, d.revision);
        const key = stash.key(id);
        // The deltas and their documents first, so the detector never meets a job without them.
        const { deltas: job, blob } = packRevision(d, key, page);
        await stash.put(key, blob);
        if (job.page_documents) handedOn.add(job.page_documents);
        await deltas.add('deltas', job, { jobId: id });
      },
      scopeComplete: async (req) => void (await policy.add('evaluate', req, { jobId: req.key })),
    },
    w.log,
  );
  const pages = createWorker<ObservationPage>(
    QUEUES.observations,
    storage.wrap(async (page) => {
      const r = await recorder.recordPage(page);
      // Recorded (or dropped as stale): a retry of this job now finds the marker and is done. A
      // page whose documents the detector reads is marked by the detector once it has.
      if (page.documents && !handedOn.delete(page.documents)) await stash.done(page.documents);
      if (r) w.onPage?.(page, r.revision, r.deltas.length);
    }),
    {
      connection: w.consumer,
      prefix: w.prefix,
      schema: observationPageSchema,
      log: w.log,
      concurrency: 1,
      prepare: (data) => stash.takePage(data),
    },
  );
  const audit = createWorker<AuditEntryDraft>(
    QUEUES.audit,
    storage.wrap(async (draft, job) => {
      // The job (id and creation time, as ids restart with a new Redis) keys the entry: a draft redelivered after a crash between commit and ack lands once.
      await recorder.recordAudit({ ...draft, key: draft.key ?? `job:${job.id}@${job.timestamp}` });
    }),
    {
      connection: w.consumer.duplicate(),
      prefix: w.prefix,
      schema: auditDraftSchema,
      log: w.log,
      concurrency: 1,
    },
  );
  storage.guard(pages);
  storage.guard(audit);
  return {
    recorder,
    workers: [pages, audit],
    deltas,
    storage,
    async close() {
      storage.close();
      await pages.close();
      await audit.close();
      await deltas.close();
      await policy.close();
    },
  };
}
