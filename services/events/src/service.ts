import type { SQSClient } from '@aws-sdk/client-sqs';
import { createQueue, QUEUES } from '@elava/bus';
import type { Logger } from '@elava/log';
import type { ScanJob } from '@elava/types';
import type { Redis } from 'ioredis';
import type { TargetedJob } from './jobs.js';
import { type EventQueue, type PollerOptions, QueuePoller } from './poller.js';
import type { RouteSettings } from './route.js';

export interface EventsWiring {
  sqs: SQSClient;
  queues: EventQueue[];
  settings: RouteSettings;
  /** A producer connection for the scan queue. */
  producer: Redis;
  prefix?: string;
  log: Logger;
  /** Long-polling loops per queue in this process (more processes scale further). */
  pollers?: number;
  waitSeconds?: number;
  batchSize?: number;
  visibilitySeconds?: number;
  backoffMs?: PollerOptions['backoffMs'];
  onOutcome?: PollerOptions['onOutcome'];
  onReceiveError?: PollerOptions['onReceiveError'];
  onJobs?: PollerOptions['onJobs'];
}

/**
 * The events service apart from its process: pollers on every configured queue, each event's
 * targeted re-reads on the scan queue (the scanners' shared rate budget applies). Event jobs go
 * to the head of the queue (LIFO), ahead of the sweeps waiting there: seconds, not scan intervals.
 */
export function startEvents(w: EventsWiring): { pollers: QueuePoller[]; close(): Promise<void> } {
  const scan = createQueue<ScanJob>(QUEUES.scan, {
    connection: w.producer,
    prefix: w.prefix,
    // Each re-read is small and its result is in the store; keep the ids a while to drop replays.
    defaultJobOptions: { removeOnComplete: { age: 3_600, count: 50_000 }, attempts: 5 },
  });
  const enqueue = async (jobs: TargetedJob[]) => {
    if (jobs.length === 0) return;
    await scan.addBulk(jobs.map((j) => ({ name: 'event', data: j, opts: { jobId: j.scan_id, lifo: true } })));
  };
  const pollers = w.queues.flatMap((queue) =>
    Array.from(
      { length: w.pollers ?? 2 },
      () =>
        new QueuePoller({
          sqs: w.sqs,
          queue,
          settings: w.settings,
          enqueue,
          log: w.log,
          waitSeconds: w.waitSeconds,
          batchSize: w.batchSize,
          visibilitySeconds: w.visibilitySeconds,
          backoffMs: w.backoffMs,
          onOutcome: w.onOutcome,
          onReceiveError: w.onReceiveError,
          onJobs: w.onJobs,
        }),
    ),
  );
  for (const p of pollers) p.start();
  return {
    pollers,
    async close() {
      await Promise.all(pollers.map((p) => p.stop()));
      await scan.close();
    },
  };
}
