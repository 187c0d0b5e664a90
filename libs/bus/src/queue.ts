import type { Logger } from '@elava/log';
import { type Job, type JobsOptions, Queue, UnrecoverableError, Worker, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { InvalidMessageError, parseMessage } from './validate.js';

/** Work queues between services. BullMQ forbids ':' in names. */
export const QUEUES = {
  scan: 'elava-scan',
  observations: 'elava-observations',
  audit: 'elava-audit',
  deltas: 'elava-deltas',
  policy: 'elava-policy',
  recheck: 'elava-recheck',
  execute: 'elava-execute',
} as const;

export interface QueueSettings {
  connection: Redis;
  /** Redis key prefix; tests use their own so they never meet a running cluster's jobs. */
  prefix?: string;
  defaultJobOptions?: JobsOptions;
}

const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 3_600, count: 10_000 },
  removeOnFail: { age: 7 * 86_400 },
};

/**
 * The one Redis prefix of a cluster (`redis.prefix`, which ELAVA_REDIS_PREFIX or the older
 * ELAVA_QUEUE_PREFIX override): its queues and every key of its own start with it, so two clusters
 * share one Redis without meeting. Services pass `config.redis.prefix`; the environment fallback
 * serves code that has no configuration at hand.
 */
export function redisPrefix(given?: string, env: NodeJS.ProcessEnv = process.env): string {
  return given ?? env.ELAVA_REDIS_PREFIX ?? env.ELAVA_QUEUE_PREFIX ?? 'elava';
}

export function createQueue<T>(name: string, settings: QueueSettings): Queue<T> {
  return new Queue<T>(name, {
    connection: settings.connection,
    prefix: redisPrefix(settings.prefix),
    defaultJobOptions: { ...DEFAULT_JOB_OPTIONS, ...settings.defaultJobOptions },
  });
}

export interface TypedWorkerSettings<T> {
  /** Must be a connection made with role "worker". */
  connection: Redis;
  schema: z.ZodType<T>;
  log: Logger;
  prefix?: string;
  concurrency?: number;
  worker?: Omit<WorkerOptions, 'connection' | 'prefix' | 'concurrency'>;
  /**
   * Completes the data before it is checked: fetches what the job refers to (its documents in the
   * stash). Null means the job was done before (a retry after a crash): it completes untouched.
   */
  prepare?: (data: unknown) => Promise<unknown | null>;
}

/**
 * How long a job stays with a worker that stopped answering before another takes it
 * (ELAVA_JOB_LOCK_MS, 30 s by default). The lock is renewed while the worker lives, so long
 * jobs are safe; a shorter one hands a dead worker's job on sooner.
 */
export function jobLock(env: NodeJS.ProcessEnv = process.env): { lockDuration: number; stalledInterval: number } {
  const ms = Number(env.ELAVA_JOB_LOCK_MS ?? 30_000);
  const lockDuration = Number.isFinite(ms) && ms >= 500 ? ms : 30_000;
  return { lockDuration, stalledInterval: Math.max(500, Math.round(lockDuration / 2)) };
}

/**
 * A worker whose handler only ever sees data that matched its schema. A message that does not
 * match, or that the handler refuses with an InvalidMessageError, fails at once, unretried, with
 * the problems named in the job's failure reason.
 */
export function createWorker<T, R = void>(
  name: string,
  handler: (data: T, job: Job<T, R>, token?: string) => Promise<R>,
  settings: TypedWorkerSettings<T>,
): Worker<T, R> {
  const worker = new Worker<T, R>(
    name,
    async (job, token) => {
      try {
        const given = settings.prepare ? await settings.prepare(job.data) : job.data;
        if (given === null) return undefined as R;
        const data = parseMessage(settings.schema, given, `queue ${name} job ${job.id}`);
        return await handler(data, job, token);
      } catch (err) {
        // Also what the handler finds malformed beyond the schema (a stash value): no retry mends it.
        if (err instanceof InvalidMessageError) {
          settings.log.error({ queue: name, job: job.id, problems: err.problems }, 'rejected invalid job');
          throw new UnrecoverableError(err.message);
        }
        throw err;
      }
    },
    {
      ...jobLock(),
      ...settings.worker,
      connection: settings.connection,
      prefix: redisPrefix(settings.prefix),
      concurrency: settings.concurrency ?? 1,
    },
  );
  worker.on('failed', (job, err) => {
    if (!(err instanceof UnrecoverableError)) {
      settings.log.warn({ queue: name, job: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job failed');
    }
  });
  worker.on('error', (err) => settings.log.error({ queue: name, err: err.message }, 'worker error'));
  return worker;
}
