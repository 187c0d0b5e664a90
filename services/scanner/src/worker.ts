import { ClientSet } from '@elava/aws';
import {
  createQueue,
  createWorker,
  DocumentStash,
  QUEUES,
  type RedisRateLimiter,
  redisPrefix,
  scanJobSchema,
} from '@elava/bus';
import type { Logger } from '@elava/log';
import {
  type AuditEntryDraft,
  isTargeted,
  type ObservationPage,
  type QueuedPage,
  type ScanJob,
  scopeKey,
} from '@elava/types';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Accounts } from './accounts.js';
import { pageId, runScan, type ScanSummary } from './scan-runner.js';
import { runTargeted } from './targeted.js';

export interface ScannerOptions {
  /** A producer connection (fail fast) for the queues it writes to. */
  producer: Redis;
  /** A worker connection (maxRetriesPerRequest: null) for the scan queue. */
  consumer: Redis;
  accounts: Accounts;
  endpoint?: string;
  limiter?: RedisRateLimiter;
  log: Logger;
  prefix?: string;
  concurrency?: number;
  pageSize?: number;
  apiPageSize?: number;
  onScan?: (summary: ScanSummary) => void;
  /** Delays between the reads of an id a delete event named and a read still found (targeted.ts). */
  recheckDelays?: number[];
  /** SDK attempts per call (default 8, adaptive). */
  maxAttempts?: number;
  /** How long a job's lock lasts without renewal, and how often stalled jobs are looked for. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/**
 * The scanner's BullMQ side: one job = one scope. Each page goes to the recorder's queue with a
 * job id equal to its page id, so a page sent twice is queued once. A worker that dies leaves its
 * job stalled; BullMQ gives it to another worker, which scans again under a new attempt number.
 */
export function createScanner(opts: ScannerOptions): { worker: Worker<ScanJob, ScanSummary>; close(): Promise<void> } {
  // A recorded page lives in the store (which also makes a resent page a no-op): keep few in Redis.
  const observations = createQueue<QueuedPage>(QUEUES.observations, {
    connection: opts.producer,
    prefix: opts.prefix,
    defaultJobOptions: { removeOnComplete: { age: 600, count: 100 } },
  });
  const audit = createQueue<AuditEntryDraft>(QUEUES.audit, { connection: opts.producer, prefix: opts.prefix });
  // The later reads of ids a delete event named and a read still found (targeted.ts).
  const rechecks = createQueue<ScanJob>(QUEUES.scan, { connection: opts.producer, prefix: opts.prefix });
  const markerPrefix = redisPrefix(opts.prefix);
  // Each page's documents go beside its job, as one binary value, not as strings in its JSON.
  const stash = new DocumentStash(opts.producer, opts.prefix);

  const worker = createWorker<ScanJob, ScanSummary>(
    QUEUES.scan,
    async (data, raw: Job<ScanJob, ScanSummary>) => {
      // BullMQ refuses ':' in custom job ids (it keeps them for its own), so ids here avoid it.
      const job = { ...data, scan_id: data.scan_id ?? `scan-${String(raw.id).replaceAll(':', '.')}` };
      const attempt = raw.attemptsMade + 1 + (Number(raw.stalledCounter) || 0);
      if (isTargeted(job)) return targeted({ ...job, ids: job.ids }, attempt, raw);
      // A scanner that died after handing on its final page, before BullMQ heard it was done,
      // leaves the job to another: that scan is over, and scanning again would record it twice.
      const sent = await opts.producer.get(`${markerPrefix}:scan-sent:${job.scan_id}`);
      if (sent) {
        opts.log.info({ scan: job.scan_id, attempt }, 'scan already handed on by an earlier attempt');
        return JSON.parse(sent) as ScanSummary;
      }
      let access: Awaited<ReturnType<Accounts['access']>>;
      try {
        access = await opts.accounts.access(job.scope.account);
      } catch (err) {
        // No credentials is an answer about this scope, not a reason to retry forever.
        const error = `no access to account ${job.scope.account}: ${(err as Error).message}`;
        const page: ObservationPage = {
          scan_id: job.scan_id,
          page_id: pageId(job.scan_id, attempt, 0),
          page: 0,
          attempt,
          scope: job.scope,
          observed_at: new Date().toISOString(),
          resources: [],
          final: { status: 'failed', error, code: 'AccessError' },
        };
        await stash.sendPage(observations, page);
        opts.log.warn({ scan: job.scan_id, err: error }, 'scan failed');
        return {
          scan_id: job.scan_id,
          scope: scopeKey({ account: job.scope.account, region: job.scope.region, type: job.scope.type }),
          status: 'failed',
          resources: 0,
          pages: 1,
          ms: 0,
          calls: 0,
          throttles: 0,
          error,
        };
      }
      const clients = clientsFor(job.scope, access);
      await audit.add(
        'scan_started',
        {
          type: 'scan_started',
          resource_id: '',
          data: { scan_id: job.scan_id, scope: job.scope, attempt, requested_by: job.requested_by },
          key: `${job.scan_id}@${attempt}#started`,
        },
        { jobId: `${job.scan_id}@${attempt}#started` },
      );
      try {
        const summary = await runScan(job, attempt, {
          clients,
          log: opts.log,
          pageSize: opts.pageSize,
          apiPageSize: opts.apiPageSize,
          sendPage: async (page) => {
            await stash.sendPage(observations, page);
            if (page.final) {
              const summary: ScanSummary = {
                scan_id: job.scan_id,
                scope: scopeKey({ account: job.scope.account, region: job.scope.region, type: job.scope.type }),
                status: page.final.status,
                resources: page.final.status === 'complete' ? page.final.count : 0,
                pages: page.page + 1,
                ms: 0,
                calls: 0,
                throttles: 0,
                ...(page.final.status === 'failed' ? { error: page.final.error } : {}),
              };
              await opts.producer.set(
                `${markerPrefix}:scan-sent:${job.scan_id}`,
                JSON.stringify(summary),
                'EX',
                86_400,
              );
            }
            await raw.updateProgress({ pages: page.page + 1, resources: page.resources.length });
          },
        });
        opts.onScan?.(summary);
        opts.log.info(summary, 'scanned');
        return summary;
      } finally {
        clients.destroy();
      }
    },
    {
      connection: opts.consumer,
      schema: scanJobSchema,
      log: opts.log,
      prefix: opts.prefix,
      concurrency: opts.concurrency ?? 4,
      worker: {
        lockDuration: opts.lockDurationMs ?? 30_000,
        stalledInterval: opts.stalledIntervalMs ?? 15_000,
        maxStalledCount: 3,
      },
    },
  );
  /** A job's clients: its account's credentials, its region, the shared per-service rate budget. */
  function clientsFor(scope: ScanJob['scope'], access: Awaited<ReturnType<Accounts['access']>>): ClientSet {
    return new ClientSet({
      region: scope.region,
      endpoint: opts.endpoint,
      credentials: access.credentials,
      maxAttempts: opts.maxAttempts,
      beforeCall: opts.limiter
        ? (service) => opts.limiter!.take(`${scope.account}:${scope.region}:${service}`)
        : undefined,
    });
  }

  /**
   * An event's re-read of named ids: one partial page, no scan markers or scan_started entry (a
   * targeted read ends nothing, and reading again after a dead worker is harmless: an unchanged
   * resource adds no version). A failed read is retried by BullMQ, then left to the sweep.
   */
  async function targeted(
    job: ScanJob & { scan_id: string; ids: string[] },
    attempt: number,
    raw: Job<ScanJob, ScanSummary>,
  ): Promise<ScanSummary> {
    const access = await opts.accounts.access(job.scope.account);
    const clients = clientsFor(job.scope, access);
    try {
      const summary = await runTargeted(job, attempt, {
        clients,
        log: opts.log,
        delays: opts.recheckDelays,
        sendPage: (page) => stash.sendPage(observations, page),
        recheck: async (next, delay) =>
          void (await rechecks.add('recheck', next, {
            jobId: next.scan_id,
            delay,
            ...(raw.opts.priority ? { priority: raw.opts.priority } : {}),
          })),
      });
      opts.onScan?.(summary);
      opts.log.debug(summary, 're-read');
      return summary;
    } finally {
      clients.destroy();
    }
  }

  return {
    worker,
    async close() {
      await worker.close();
      await observations.close();
      await audit.close();
      await rechecks.close();
    },
  };
}
