import {
  AuditProducer,
  consumeDurable,
  createQueue,
  createWorker,
  decisionSchema,
  type ExecutionJob,
  executionJobSchema,
  type JetStreamClient,
  type NatsConnection,
  OwnWrites,
  publishEvent,
  QUEUES,
  redisPrefix,
  subjects,
} from '@elava/bus';
import type { Logger } from '@elava/log';
import type { QueryClient } from '@elava/query';
import { type Decision, scopeKey } from '@elava/types';
import { DelayedError } from 'bullmq';
import type { Redis } from 'ioredis';
import { Approvals } from './approvals.js';
import { ClaimStore } from './claims.js';
import type { Cloud } from './cloud.js';
import { Executor, type ExecutorSettings, NotYetError } from './executor.js';
import { type GuardSettings, PopulationGuard, WriteCap } from './guard.js';

export interface ExecutorWiring {
  settings: ExecutorSettings;
  guard: GuardSettings;
  cap: { max: number; intervalMs: number };
  claimTtlMs: number;
  approvalTimeoutMs: number;
  cloud: Cloud;
  /** Asks the recorder for a scope's size (the population guard). */
  query: QueryClient;
  nc: NatsConnection;
  js: JetStreamClient;
  producer: Redis;
  consumer: Redis;
  log: Logger;
  /** This executor's name in claims and the trail. */
  owner: string;
  prefix?: string;
  /** The durable consumer on ELAVA_DECISIONS (one per deployment, shared by its executors). */
  durable?: string;
  /** The execution queue's job lock (ELAVA_JOB_LOCK_MS by default): how soon a dead executor's job moves on. */
  jobLock?: { lockDuration: number; stalledInterval: number };
}

/** Decisions in from the stream, writes out through the execution queue, approvals over NATS. */
export async function startExecutor(w: ExecutorWiring) {
  const prefix = redisPrefix(w.prefix);
  const audit = new AuditProducer(w.producer, w.prefix);
  const queue = createQueue<ExecutionJob>(QUEUES.execute, {
    connection: w.producer,
    prefix: w.prefix,
    // Completed jobs stay a day: their ids keep a redelivered decision from being queued again.
    defaultJobOptions: { removeOnComplete: { age: 86_400 } },
  });
  const sizes = scopeSizes(w.query);
  const executor = new Executor(
    w.settings,
    {
      cloud: w.cloud,
      claims: new ClaimStore(w.producer, w.owner, w.claimTtlMs, prefix),
      guard: new PopulationGuard(w.producer, w.guard, sizes, prefix),
      cap: new WriteCap(w.producer, w.cap.max, w.cap.intervalMs, prefix),
      approvals: new Approvals(w.producer, w.approvalTimeoutMs, prefix),
      audit: (drafts) => audit.send(drafts),
      enqueue: async (job) => void (await queue.add('execute', job, { jobId: `exec-${job.decision.id}` })),
      publish: async (d) => void (await publishEvent(w.js, subjects.decision(d.action, d.severity), d, d.id)),
      ownWrites: new OwnWrites(w.producer, prefix),
      done: {
        has: async (id) => (await w.producer.exists(`${prefix}:executed:${id}`)) === 1,
        add: async (id) => void (await w.producer.set(`${prefix}:executed:${id}`, '1', 'EX', 30 * 86_400)),
      },
    },
    w.log,
  );
  const worker = createWorker<ExecutionJob>(
    QUEUES.execute,
    async (job, j, token) => {
      try {
        await executor.execute(job, j.attemptsMade + 1);
      } catch (err) {
        if (!(err instanceof NotYetError)) throw err;
        // Waiting is not failing: back on the delayed list without using up an attempt.
        await j.moveToDelayed(err.retryAt, token);
        throw new DelayedError();
      }
    },
    {
      connection: w.consumer,
      prefix: w.prefix,
      schema: executionJobSchema,
      log: w.log,
      concurrency: 16,
      ...(w.jobLock ? { worker: w.jobLock } : {}),
    },
  );
  const stream = await consumeDurable<Decision>(w.nc, {
    stream: 'ELAVA_DECISIONS',
    durable: w.durable ?? 'elava-executor',
    // A new executor acts on decisions made from now on, never on a backlog of stale ones.
    deliver: 'new',
    filterSubjects: ['elava.decisions.>'],
    schema: decisionSchema,
    log: w.log,
    // Each decision waits out the guard's window before it is queued: many at once.
    concurrency: 1_000,
    ackWaitMs: Math.max(60_000, w.guard.windowMs * 4),
    handler: (d) => executor.intake(d),
  });
  const approvals = w.nc.subscribe(subjects.approval('*'), {
    queue: 'elava-executor',
    callback: (err, msg) => {
      if (err) return;
      const id = msg.subject.slice(subjects.approval('').length);
      let by = 'unknown';
      try {
        const body = msg.data.length ? (msg.json() as { by?: unknown }) : {};
        if (typeof body.by === 'string' && body.by) by = body.by;
      } catch {
        // an empty or unreadable body approves as "unknown"
      }
      void executor
        .approve(id, by)
        .then((r) => msg.respond(JSON.stringify(r.ok ? { ok: true, decision: r.decision } : r)))
        .catch((e: Error) => msg.respond(JSON.stringify({ ok: false, error: e.message })));
    },
  });
  const sweep = setInterval(
    () => void executor.expireApprovals().catch((e: Error) => w.log.warn({ err: e.message }, 'approval sweep failed')),
    Math.min(5_000, Math.max(250, Math.floor(w.approvalTimeoutMs / 4))),
  );
  return {
    executor,
    queue,
    async close() {
      clearInterval(sweep);
      approvals.unsubscribe();
      await stream.stop();
      await worker.close();
      await queue.close();
      await audit.close();
    },
  };
}

/** A scope's live resources at its last clean scan, asked of the recorder and kept a few seconds. */
function scopeSizes(query: QueryClient) {
  let cached: { at: number; sizes: Map<string, number> } | undefined;
  return async (r: Decision['resource']): Promise<number | null> => {
    if (!cached || Date.now() - cached.at > 5_000) {
      const status = await query.get<{ scopes: { key: string; last_complete?: { observed: number } }[] }>('status', {});
      cached = {
        at: Date.now(),
        sizes: new Map(status.scopes.flatMap((s) => (s.last_complete ? [[s.key, s.last_complete.observed]] : []))),
      };
    }
    return cached.sizes.get(scopeKey({ account: r.account, region: r.region, type: r.type })) ?? null;
  };
}
