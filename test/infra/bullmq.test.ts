import { createQueue, createRedis, createWorker } from '@elava/bus';
import { QueueEvents } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { infra, silentLog, unique } from '../support/infra.js';

const Scan = z.object({ scope: z.string().min(1), page: z.number().int().nonnegative() });

describe('BullMQ through a real Redis', () => {
  const prefix = unique('elava-test');
  const producer = createRedis(infra().redis, 'producer');
  const consumer = createRedis(infra().redis, 'worker');
  const events = createRedis(infra().redis, 'worker');
  const closers: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    producer.disconnect();
    consumer.disconnect();
    events.disconnect();
  });

  it('carries a job to a worker and back, and refuses a malformed one by name, unretried', async () => {
    const name = 'scan';
    const queue = createQueue<unknown>(name, { connection: producer, prefix });
    const queueEvents = new QueueEvents(name, { connection: events, prefix });
    await queueEvents.waitUntilReady();
    const seen: z.infer<typeof Scan>[] = [];
    const worker = createWorker(
      name,
      async (data) => {
        seen.push(data);
        return `scanned ${data.scope} page ${data.page}`;
      },
      { connection: consumer, prefix, schema: Scan, log: silentLog },
    );
    closers.push(
      () => queue.close(),
      () => queueEvents.close(),
      () => worker.close(),
    );

    const good = await queue.add('scan', { scope: '123456789012/us-east-1/ec2.vpc', page: 0 });
    await expect(good.waitUntilFinished(queueEvents, 10_000)).resolves.toBe(
      'scanned 123456789012/us-east-1/ec2.vpc page 0',
    );

    const bad = await queue.add('scan', { scope: '', page: -1 }, { attempts: 5 });
    await expect(bad.waitUntilFinished(queueEvents, 10_000)).rejects.toThrow(/invalid message on queue scan job/);
    const failed = await queue.getJob(bad.id as string);
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toMatch(/scope: .*\bpage: /s);
    expect(seen).toEqual([{ scope: '123456789012/us-east-1/ec2.vpc', page: 0 }]);
  });
});
