import { describe, expect, it } from 'vitest';
import type { Dispatch } from './dispatch.js';
import { type MemoPool, PolicyMemo } from './memo.js';
import type { MemoTier } from './memo-tier.js';
import type { Finding, PolicyInput } from './policy-set.js';

const STORE = '0123456789ab';
const dispatch: Dispatch = {
  entrypoints: [
    { name: 'elava_all/e0', packages: { tags: ['warn'] }, time: false },
    { name: 'elava_all/e1', packages: { cost: ['warn'] }, time: true },
  ],
  routes: { resource: { 'ec2.instance': 1, '*': 0 }, change: { 'ec2.instance': 1, '*': 0 } },
};

/**
 * A pool whose one rule says which resource it saw and the `now` it was given, counting what it
 * was asked to evaluate; `fail` names resources whose package throws.
 */
function fakePool(hash = 'lib-a', fail = new Set<string>()) {
  const seen: { input: PolicyInput; route: number | undefined }[] = [];
  const pool: MemoPool = {
    hash,
    dispatch,
    timeDependent: (route) => dispatch.entrypoints[route]?.time ?? true,
    async evaluate(inputs, routes) {
      return inputs.map((x, i) => {
        const input: PolicyInput = typeof x === 'string' ? JSON.parse(x) : x;
        seen.push({ input, route: routes?.[i] });
        const id = (input.resource as { id: string }).id;
        if (fail.has(id)) return { findings: [], failures: [{ package: 'elava.cost', error: 'boom' }] };
        const finding: Finding = {
          package: 'elava.cost',
          rule: 'warn',
          severity: 'warning',
          msg: `${id} at ${input.now}`,
          suggestion: 's',
        };
        return { findings: [finding], failures: [] };
      });
    },
  };
  return { pool, seen };
}

const input = (id: string, type: string, now: string, extra: object = {}): PolicyInput => ({
  resource: { id, type, tags: { a: id } },
  now,
  ...extra,
});

describe('PolicyMemo', () => {
  it('answers an unchanged input from memory with the findings evaluating gave, asking nothing', async () => {
    const { pool, seen } = fakePool();
    const memo = new PolicyMemo({ bucketMs: 3_600_000 });
    const inputs = [
      input('a', 'sqs.queue', '2026-11-22T12:00:00Z'),
      input('b', 'ec2.instance', '2026-11-22T12:00:00Z'),
    ];
    const first = await memo.evaluate(pool, STORE, inputs);
    expect(seen.map((s) => s.route)).toEqual([0, 1]);
    const again = await memo.evaluate(pool, STORE, inputs);
    expect(again).toEqual(first);
    expect(seen).toHaveLength(2);
    expect(memo.counts).toEqual({ hits: 2, misses: 2 });
    // A changed resource is another content: evaluated.
    await memo.evaluate(pool, STORE, [input('a', 'sqs.queue', '2026-11-22T12:00:00Z', { previous: { id: 'a' } })]);
    expect(seen).toHaveLength(3);
  });

  it('finds nothing of another library (or data), nor of another store', async () => {
    const memo = new PolicyMemo({ bucketMs: 3_600_000 });
    const inputs = [input('a', 'sqs.queue', '2026-11-22T12:00:00Z')];
    await memo.evaluate(fakePool('lib-a').pool, STORE, inputs);
    const rebuilt = fakePool('lib-b');
    await memo.evaluate(rebuilt.pool, STORE, inputs);
    expect(rebuilt.seen).toHaveLength(1);
    const other = fakePool('lib-a');
    await memo.evaluate(other.pool, 'ba9876543210', inputs);
    expect(other.seen).toHaveLength(1);
  });

  it('evaluates rules that read `now` at the start of its bucket, again once the bucket changes', async () => {
    const { pool, seen } = fakePool();
    const memo = new PolicyMemo({ bucketMs: 3_600_000 });
    const at = (now: string) => [input('i', 'ec2.instance', now), input('q', 'sqs.queue', now)];
    const [timed] = await memo.evaluate(pool, STORE, at('2026-11-22T12:10:00Z'));
    expect(timed?.findings[0]?.msg).toBe('i at 2026-11-22T12:00:00.000Z');
    expect(seen.map((s) => s.input.now)).toEqual(['2026-11-22T12:00:00.000Z', '2026-11-22T12:10:00Z']);
    // Same bucket: both remembered.
    await memo.evaluate(pool, STORE, at('2026-11-22T12:59:59Z'));
    expect(seen).toHaveLength(2);
    // Next bucket: the time-dependent one is evaluated again; the other never reads now.
    const [later] = await memo.evaluate(pool, STORE, at('2026-11-22T13:00:00Z'));
    expect(seen).toHaveLength(3);
    expect(later?.findings[0]?.msg).toBe('i at 2026-11-22T13:00:00.000Z');
  });

  it('evaluates an input whose now is not a time as it is, remembering nothing', async () => {
    const { pool, seen } = fakePool();
    const memo = new PolicyMemo({ bucketMs: 3_600_000 });
    const inputs = [input('i', 'ec2.instance', 'yesterday'), input('q', 'sqs.queue', '2026-11-22T12:00:00Z')];
    await memo.evaluate(pool, STORE, inputs);
    await memo.evaluate(pool, STORE, inputs);
    expect(seen.map((s) => s.input.now)).toEqual(['yesterday', '2026-11-22T12:00:00Z', 'yesterday']);
  });

  it('does not remember an evaluation that failed, nor a whole-scope count', async () => {
    const { pool, seen } = fakePool('lib-a', new Set(['bad']));
    const memo = new PolicyMemo({ bucketMs: 3_600_000 });
    const inputs = [input('bad', 'sqs.queue', '2026-11-22T12:00:00Z')];
    await memo.evaluate(pool, STORE, inputs);
    const [again] = await memo.evaluate(pool, STORE, inputs);
    expect(again?.failures).toEqual([{ package: 'elava.cost', error: 'boom' }]);
    expect(seen).toHaveLength(2);
  });

  it('keys a resource by the store content hash when given, and keeps it in the tier under the store', async () => {
    const spaces: string[] = [];
    const held = new Map<string, string>();
    const tier: MemoTier = {
      async get(space, fields) {
        return fields.map((f) => held.get(`${space}|${f}`) ?? null);
      },
      async set(space, entries, ttl) {
        spaces.push(`${space} ttl=${ttl}`);
        for (const [f, v] of entries) held.set(`${space}|${f}`, v);
      },
    };
    const { pool, seen } = fakePool();
    const inputs = [input('a', 'sqs.queue', '2026-11-22T12:00:00Z')];
    const first = await new PolicyMemo({ bucketMs: 3_600_000, tier }).evaluate(pool, STORE, inputs, [
      'c0ffee'.repeat(4),
    ]);
    expect([...held.keys()]).toEqual([
      `${STORE}:lib-a:s${Math.floor(Date.parse('2026-11-22T12:00:00Z') / 86_400_000)}|r${'c0ffee'.repeat(4)}`,
    ]);
    expect(spaces[0]).toMatch(/ttl=172800000$/);
    // A restarted service: nothing in memory, found in the tier.
    const restarted = new PolicyMemo({ bucketMs: 3_600_000, tier });
    expect(await restarted.evaluate(pool, STORE, inputs, ['c0ffee'.repeat(4)])).toEqual(first);
    expect(seen).toHaveLength(1);
    // A tier that fails is a miss, not an error.
    const broken = new PolicyMemo({
      bucketMs: 3_600_000,
      tier: { get: () => Promise.reject(new Error('down')), set: () => Promise.reject(new Error('down')) },
      onTierError: () => {},
    });
    expect(await broken.evaluate(pool, STORE, inputs)).toEqual(first);
    // A store name that is not an id goes round the memo.
    await new PolicyMemo({ bucketMs: 3_600_000, tier }).evaluate(pool, 'a:b', inputs);
    expect(held.size).toBe(1);
  });
});
