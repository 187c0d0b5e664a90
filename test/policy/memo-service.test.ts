import { createQueue, createRedis, QUEUES } from '@elava/bus';
import { PolicyMemo, RedisMemoTier, startPolicy } from '@elava/policy';
import { QueryClient, StoreReader, serveQueries } from '@elava/query';
import { Store } from '@elava/store';
import type { Decision, PolicyRequest } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { infra, silentLog, tempDirFor, unique } from '../support/infra.js';
import { DEFAULT_DECISIONS, libraryPool, securityGroup } from '../support/policy.js';
import { useStage, watchStream } from '../support/stage.js';

/**
 * The policy service with its memo, on a store served as the recorder serves it: the second sweep
 * of an unchanged scope evaluates nothing (each resource found by the store's content hash) and
 * decides as the first.
 */
describe('policy service with the memo', () => {
  const stage = useStage(async () => {});

  it('sweeps an unchanged scope again without evaluating, deciding the same', async () => {
    const store = await Store.open(tempDirFor('elava-policy-memo-'));
    const subject = unique('elava.query-memo');
    const served = serveQueries(stage.nc, new StoreReader(store), silentLog, subject);
    const prefix = unique('elava-policy-memo');
    const account = String(300_000_000_000 + Math.floor(Math.random() * 699_999_999_999));
    const pool = await libraryPool();
    let evaluated = 0;
    const evaluate = pool.evaluate.bind(pool);
    pool.evaluate = (inputs, routes) => {
      evaluated += inputs.length;
      return evaluate(inputs, routes);
    };
    const producer = createRedis(infra().redis, 'producer');
    const consumer = createRedis(infra().redis, 'worker');
    const memo = new PolicyMemo({ bucketMs: 3_600_000, tier: new RedisMemoTier(producer, prefix) });
    const policy = startPolicy({
      settings: DEFAULT_DECISIONS,
      renotifyMs: 60_000,
      query: new QueryClient(stage.nc, 5_000, subject),
      pool: () => pool,
      nc: stage.nc,
      producer,
      consumer,
      log: silentLog,
      prefix,
      memo,
    });
    const requests = createQueue<PolicyRequest>(QUEUES.policy, { connection: producer, prefix });
    stage.defer(async () => {
      await policy.close();
      await requests.close();
      await pool.close();
      const keys = await producer.keys(`${prefix}:*`);
      if (keys.length > 0) await producer.del(...keys);
      producer.disconnect();
      consumer.disconnect();
      served.unsubscribe();
      await store.close();
    });
    const decisions = await watchStream<Decision>(stage, 'ELAVA_DECISIONS', (d) =>
      d.resource.id.startsWith(`aws:${account}:`),
    );

    const group = (n: number) => securityGroup(account, n, n === 7);
    const scope = { account, region: 'us-east-1', type: 'ec2.security_group' as const };
    const { revision } = await store.applyScan(
      'scan-1',
      scope,
      Array.from({ length: 1_200 }, (_, i) => group(i)),
      { complete: true },
    );
    const sweep = async (key: string) => {
      await requests.add('evaluate', { kind: 'scope', store: store.id, key, revision, scope }, { jobId: key });
      const deadline = Date.now() + 20_000;
      for (;;) {
        const job = await requests.getJob(key);
        if (job && (await job.isCompleted())) break;
        if (Date.now() > deadline) throw new Error(`request ${key} not done: ${job?.failedReason}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 200));
    };

    await sweep('sweep-a');
    expect(evaluated).toBe(1_200);
    expect(decisions.map((d) => `${d.action}/${d.severity} ${d.resource.id.split(':')[4]}`)).toEqual([
      'alert/critical sg-7',
    ]);
    await sweep('sweep-b');
    expect(evaluated).toBe(1_200);
    expect(memo.counts).toEqual({ hits: 1_200, misses: 1_200 });
    expect(decisions).toHaveLength(1);
    // Filed by the store's own content hashes (sha1, base64), under the store's id.
    const [key] = await producer.keys(`${prefix}:policy-memo:${store.id}:*`);
    expect(key).toBeDefined();
    const fields = await producer.hkeys(key as string);
    expect(fields).toHaveLength(1_200);
    expect(fields.filter((f) => !/^r[A-Za-z0-9+/]{27}=$/.test(f)).slice(0, 2)).toEqual([]);
  });
});
