import { createRedis } from '@elava/bus';
import {
  DecisionMemory,
  type DecisionTrail,
  type Proposal,
  type RecalledDecision,
  ReplacedStoreError,
} from '@elava/policy';
import { describe, expect, it } from 'vitest';
import { infra, unique } from '../support/infra.js';

const STORE = 'a1b2c3d4e5f6';
const HOUR = 3_600_000;

const proposal = (key: string, fingerprint: string, store = STORE): Proposal => ({
  key,
  fingerprint,
  decision: {
    store,
    action: 'notify',
    severity: 'warning',
    resource: {
      id: 'aws:123456789012:us-east-1:ec2.volume:vol-1',
      type: 'ec2.volume',
      account: '123456789012',
      region: 'us-east-1',
      tags: {},
    },
    reason: 'r',
    revision: 1,
    time: new Date().toISOString(),
    metadata: {},
  },
});

/** The recorder's side of the memory, as the policy service asks it over NATS; here a list. */
function trail(holds: string, decided: RecalledDecision[]): DecisionTrail & { asked: number } {
  const t = {
    asked: 0,
    current: async () => holds,
    async *decidedSince(since: Date) {
      t.asked++;
      yield decided.filter((d) => d.at >= since.getTime());
    },
  };
  return t;
}

/** The decision memory on a real Redis: a cache of the trail, kept per store. */
describe('decision memory', () => {
  const redis = createRedis(infra().redis, 'producer');

  it('is rebuilt from the trail when Redis has none for the store, once, and then decides nothing twice', async () => {
    const prefix = unique('elava-memory');
    const now = Date.now();
    const source = trail(STORE, [
      { key: 'finding:a', fingerprint: 'fa', at: now - HOUR },
      { key: 'finding:a', fingerprint: 'fa2', at: now - 1_000 }, // the later one wins
      { key: 'finding:old', fingerprint: 'fo', at: now - 25 * HOUR }, // outside renotify_interval
    ]);
    const memory = new DecisionMemory(redis, 24 * HOUR, prefix, source);
    expect(await memory.recall(STORE)).toBe(1);
    expect(await memory.admit(proposal('finding:a', 'fa2'))).toBeNull();
    expect(await memory.admit(proposal('finding:a', 'fa'))).not.toBeNull(); // says something else: news
    expect(await memory.admit(proposal('finding:old', 'fo'))).not.toBeNull();
    expect(await memory.recall(STORE)).toBe(0);
    expect(source.asked).toBe(1);

    // Redis loses everything: the next request rebuilds before deciding.
    for (const k of await redis.keys(`${prefix}:*`)) await redis.del(k);
    expect(await memory.recall(STORE)).toBe(1);
    expect(source.asked).toBe(2);
    expect(await memory.admit(proposal('finding:a', 'fa2'))).toBeNull();
  });

  it('takes a finding fewer for no news, and the finding that went for news again when it comes back', async () => {
    const memory = new DecisionMemory(redis, HOUR, unique('elava-memory'));
    const both = proposal('finding:sg:elava.security', 'p22,p3389');
    expect(await memory.admit(both)).not.toBeNull();
    await memory.confirm([both]);
    expect(await memory.admit(proposal('finding:sg:elava.security', 'p22'))).toBeNull();
    expect(await memory.admit(proposal('finding:sg:elava.security', 'p22'))).toBeNull();
    expect(await memory.admit(both)).not.toBeNull();
  });

  it('answers a whole request at once as it would one proposal after another', async () => {
    const now = Date.now();
    const batch = [
      proposal('finding:a', 'fa'),
      proposal('finding:b', 'p22,p3389'),
      proposal('finding:a', 'fa'), // the same key twice in one request: the same id, as a retry
      proposal('finding:c', 'fc'),
    ];
    const one = new DecisionMemory(redis, HOUR, unique('elava-memory'));
    const all = new DecisionMemory(redis, HOUR, unique('elava-memory'));
    // A published decision with more findings than now: fewer is no news (and is remembered).
    for (const m of [one, all]) {
      await m.admit(proposal('finding:b', 'p22,p3389,p80'), now - 1_000);
      await m.confirm([proposal('finding:b', 'p22,p3389,p80')]);
    }
    const sequential: (string | null)[] = [];
    for (const p of batch) sequential.push(await one.admit(p, now));
    const together = await all.admitAll(batch, now);
    expect(together).toEqual(sequential);
    expect(together[0]).not.toBeNull();
    expect(together[1]).toBeNull();
    expect(together[2]).toBe(together[0]);
    // And what each wrote is the same: a second request is answered alike by both.
    await one.confirm(batch);
    await all.confirm(batch);
    const again = [proposal('finding:a', 'fa'), proposal('finding:b', 'p22,p3389,p80'), proposal('finding:c', 'fx')];
    const seqAgain: (string | null)[] = [];
    for (const p of again) seqAgain.push(await one.admit(p, now + 1));
    expect(await all.admitAll(again, now + 1)).toEqual(seqAgain);
    expect(seqAgain[0]).toBeNull();
    expect(seqAgain[1]).not.toBeNull();
  });

  it('keeps stores apart, and refuses a request of a store the recorder no longer holds', async () => {
    const prefix = unique('elava-memory');
    const other = '0123456789ab';
    const memory = new DecisionMemory(redis, HOUR, prefix, trail(STORE, []));
    await memory.recall(STORE);
    const id = await memory.admit(proposal('finding:x', 'f'));
    // Until confirmed, a retry gets the same id (the stream drops a copy); once published, none.
    expect(await memory.admit(proposal('finding:x', 'f'))).toBe(id);
    await memory.confirm([proposal('finding:x', 'f')]);
    expect(await memory.admit(proposal('finding:x', 'f'))).toBeNull();
    // The same finding in another store is another decision, under another id.
    const a = await new DecisionMemory(redis, HOUR, prefix).admit(proposal('finding:y', 'f', STORE));
    const b = await new DecisionMemory(redis, HOUR, prefix).admit(proposal('finding:y', 'f', other));
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(a).not.toBe(b);
    await expect(memory.recall(other)).rejects.toThrow(ReplacedStoreError);
    redis.disconnect();
  });
});
