import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { ClientSet } from '@elava/aws';
import { createRedis, RedisRateLimiter } from '@elava/bus';
import { afterAll, describe, expect, it } from 'vitest';
import { infra, unique } from '../support/infra.js';

describe('the shared AWS rate budget', () => {
  const redis = createRedis(infra().redis, 'producer');
  afterAll(() => redis.disconnect());

  it('holds three workers together to one budget (a lower bound on time, never an upper one)', async () => {
    const key = unique('acct:region:ec2');
    const workers = [0, 1, 2].map(() => new RedisRateLimiter(redis, { rate: 50, burst: 5 }));
    const started = Date.now();
    await Promise.all(
      workers.map(async (w) => {
        for (let i = 0; i < 10; i++) await w.take(key);
      }),
    );
    // 30 calls, 5 at once, then 50 a second: at least (30 - 5) / 50 s, however fast the machine.
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });

  it('is drawn from before every AWS call the readers make', async () => {
    const taken: string[] = [];
    const clients = new ClientSet({
      region: 'eu-west-1',
      endpoint: infra().moto,
      credentials: async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' }),
      beforeCall: async (service) => {
        taken.push(service);
      },
    });
    await clients.ec2.send(new DescribeVpcsCommand({}));
    await clients.ec2.send(new DescribeVpcsCommand({}));
    expect(taken).toEqual(['ec2', 'ec2']);
    expect(clients.stats.calls).toBe(2);
    clients.destroy();
  });
});
