import { createHash, randomBytes } from 'node:crypto';
import { createRedis } from '@elava/bus';
import { EVERYTHING, type PolicyInput, PolicyMemo, type PolicyPool, RedisMemoTier } from '@elava/policy';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticInputs } from '../../bench/policy/estate.mjs';
import { infra, unique } from '../support/infra.js';
import { libraryPool } from '../support/policy.js';

const HOUR = 3_600_000;
const sha1 = (x: unknown) => createHash('sha1').update(JSON.stringify(x)).digest('hex');
const signature = (rs: { findings: { package: string; rule: string; msg: string }[] }[]) =>
  rs.map((r) => r.findings.map((f) => `${f.package}/${f.rule}: ${f.msg}`));

/**
 * The policy memo on the compiled library and a real Redis: what a sweep of an unchanged scope
 * finds again, what a restarted service finds in Redis, and what it must not find.
 */
describe('policy memo in Redis', () => {
  const prefix = unique('elava-memo');
  const store = randomBytes(6).toString('hex');
  let redis: Redis;
  let pool: PolicyPool;
  const inputs = syntheticInputs(1_000) as PolicyInput[];
  const hashes = inputs.map((x) => sha1(x.resource));
  beforeAll(async () => {
    redis = createRedis(infra().redis, 'producer');
    pool = await libraryPool();
  });
  afterAll(async () => {
    await pool?.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis?.disconnect();
  });

  it('gives the findings evaluating gives, from memory and, after a restart, from Redis', async () => {
    const tier = new RedisMemoTier(redis, prefix);
    const expected = signature(
      await pool.evaluate(
        inputs,
        inputs.map(() => EVERYTHING),
      ),
    );
    const memo = new PolicyMemo({ bucketMs: HOUR, tier });
    expect(signature(await memo.evaluate(pool, store, inputs, hashes))).toEqual(expected);
    expect(signature(await memo.evaluate(pool, store, inputs, hashes))).toEqual(expected);
    expect(memo.counts).toEqual({ hits: 1_000, misses: 1_000 });

    const restarted = new PolicyMemo({ bucketMs: HOUR, tier });
    expect(signature(await restarted.evaluate(pool, store, inputs, hashes))).toEqual(expected);
    expect(restarted.counts).toEqual({ hits: 1_000, misses: 0 });
    // Without the store's hashes it keys each input by its own content: the same findings.
    const hashing = new PolicyMemo({ bucketMs: HOUR, tier });
    expect(signature(await hashing.evaluate(pool, store, inputs))).toEqual(expected);
    expect(signature(await hashing.evaluate(pool, store, inputs))).toEqual(expected);

    // Held under the store's id and the library's hash, each space expiring.
    const keys = await redis.keys(`${prefix}:policy-memo:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      expect(k.startsWith(`${prefix}:policy-memo:${store}:${pool.hash}:`)).toBe(true);
      expect(await redis.pttl(k)).toBeGreaterThan(0);
    }
  });

  it('finds nothing once the library or its data changed', async () => {
    const tier = new RedisMemoTier(redis, prefix);
    const strict = await libraryPool({ elava: { config: { required_tags: ['cost-centre'] } } });
    try {
      expect(strict.hash).not.toBe(pool.hash);
      const memo = new PolicyMemo({ bucketMs: HOUR, tier });
      const found = signature(await memo.evaluate(strict, store, inputs, hashes));
      expect(memo.counts).toEqual({ hits: 0, misses: 1_000 });
      expect(found).toEqual(
        signature(
          await strict.evaluate(
            inputs,
            inputs.map(() => EVERYTHING),
          ),
        ),
      );
      expect(found.flat().filter((m) => m.includes('cost-centre')).length).toBeGreaterThan(0);
    } finally {
      await strict.close();
    }
  });

  it('evaluates a rule that reads now again when the time bucket changes', async () => {
    const memo = new PolicyMemo({ bucketMs: HOUR, tier: new RedisMemoTier(redis, prefix) });
    // Stopped 14 days before 12:30: elava.cost warns after more than 14 days (the default).
    const stopped = {
      id: 'aws:123456789012:us-east-1:ec2.instance:i-stopped',
      type: 'ec2.instance',
      native_id: 'i-stopped',
      tags: { Name: 'x' },
      attributes: { state: 'stopped', state_transition_reason: 'User initiated (2026-11-08 12:30:00 GMT)' },
    };
    const at = async (now: string) => {
      const [r] = await memo.evaluate(pool, store, [{ resource: stopped, now }], [sha1(stopped)]);
      return (r?.findings ?? []).filter((f) => f.package === 'elava.cost').map((f) => f.msg);
    };
    expect(await at('2026-11-22T12:10:00Z')).toEqual([]);
    expect(await at('2026-11-22T12:59:00Z')).toEqual([]);
    expect(memo.counts).toEqual({ hits: 1, misses: 1 });
    expect(await at('2026-11-22T13:10:00Z')).toEqual(['instance i-stopped has been stopped for 14 days']);
    expect(memo.counts).toEqual({ hits: 1, misses: 2 });
  });
});
