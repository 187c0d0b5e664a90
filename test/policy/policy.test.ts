import { createQueue, createRedis, QUEUES } from '@elava/bus';
import { type ExpectedInventory, startPolicy } from '@elava/policy';
import { QueryClient, StoreReader, serveQueries } from '@elava/query';
import { Store } from '@elava/store';
import type {
  AnyResource,
  AuditEntryDraft,
  Decision,
  PolicyRequest,
  PublishedChange,
  ScopeRequest,
} from '@elava/types';
import type { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { infra, silentLog, tempDirFor, unique } from '../support/infra.js';
import { DEFAULT_DECISIONS, libraryPool, securityGroup } from '../support/policy.js';
import { useStage, watchStream } from '../support/stage.js';

/**
 * The policy service's queue side on real Redis and NATS, with the library compiled by the build
 * running in worker threads: requests in, decisions on elava.decisions.*, the trail to the audit queue.
 */
describe('policy service', () => {
  const stage = useStage(async () => {});

  /**
   * The policy service's queue side with the compiled library in two threads, its queries sent on
   * `querySubject`, and what it decides for an account of its own collected from the stream.
   */
  async function wirePolicy(
    renotifyMs: number,
    querySubject: string,
    inventory?: { expected: ExpectedInventory; counted: string[] },
  ) {
    const prefix = unique('elava-policy');
    const account = String(300_000_000_000 + Math.floor(Math.random() * 699_999_999_999));
    const pool = await libraryPool(inventory ? { elava: { expected: inventory.expected } } : {});
    const producer = createRedis(infra().redis, 'producer');
    const consumer = createRedis(infra().redis, 'worker');
    const policy = startPolicy({
      settings: DEFAULT_DECISIONS,
      renotifyMs,
      query: new QueryClient(stage.nc, 5_000, querySubject),
      pool: () => pool,
      nc: stage.nc,
      producer,
      consumer,
      log: silentLog,
      prefix,
      countedTypes: new Set(inventory?.counted),
    });
    const requests = createQueue<PolicyRequest>(QUEUES.policy, { connection: producer, prefix });
    stage.defer(async () => {
      await policy.close();
      await requests.close();
      await pool.close();
      producer.disconnect();
      consumer.disconnect();
    });
    const decisions = await watchStream<Decision>(stage, 'ELAVA_DECISIONS', (d) =>
      d.resource.id.startsWith(`aws:${account}:`),
    );
    return { prefix, account, producer, requests, decisions };
  }

  /** A store of the test's own whose reads are served on a subject of its own, as the recorder does. */
  async function servedStore(name: string) {
    const store = await Store.open(tempDirFor(`elava-policy-${name}-`));
    const subject = unique(`elava.query-${name}`);
    const served = serveQueries(stage.nc, new StoreReader(store), silentLog, subject);
    stage.defer(async () => {
      served.unsubscribe();
      await store.close();
    });
    return { store, subject };
  }

  /** Queues a whole-scope request and waits for it to be done. */
  async function evaluateScope(
    requests: Queue<PolicyRequest>,
    key: string,
    revision: number,
    scope: ScopeRequest['scope'],
    store: string,
  ) {
    await requests.add('evaluate', { kind: 'scope', store, key, revision, scope }, { jobId: key });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const done = await requests.getJob(key);
      if (done && (await done.isCompleted())) break;
      if (Date.now() > deadline) throw new Error(`request ${key} not done: ${done?.failedReason}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  it('decides each finding once, alerts once for a blessed database gone, and keeps quiet on a retry', async () => {
    // Change requests ask the recorder only which store it holds (and for the trail's decisions).
    const { store, subject } = await servedStore('changes');
    const { prefix, account, producer, requests, decisions } = await wirePolicy(60_000, subject);
    const audit = createQueue<AuditEntryDraft>(QUEUES.audit, { connection: producer, prefix });
    stage.defer(() => audit.close());

    const resource = (type: string, native: string, attributes: unknown, tags: Record<string, string>) =>
      ({
        id: `aws:${account}:us-east-1:${type}:${native}`,
        provider: 'aws',
        account,
        region: 'us-east-1',
        type,
        native_id: native,
        name: native,
        tags,
        attributes,
      }) as unknown as AnyResource;
    const sg = resource(
      'ec2.security_group',
      'sg-1',
      {
        rules: [{ direction: 'ingress', protocol: 'tcp', from_port: 22, to_port: 22, source: '0.0.0.0/0' }],
      },
      { Name: 'ssh' },
    );
    const db = resource(
      'rds.instance',
      'orders',
      { publicly_accessible: false, storage_encrypted: true },
      {
        'elava:blessed': 'true',
        Name: 'orders',
      },
    );
    const change = (type: PublishedChange['type'], r: AnyResource, revision: number): PublishedChange => ({
      id: `${type}-${r.native_id}-${revision}-${account}`,
      type,
      store: store.id,
      resource_id: r.id,
      revision,
      previous_revision: type === 'appeared' ? null : revision - 1,
      time: new Date().toISOString(),
      diff: [],
      previous: type === 'appeared' ? null : r,
      current: type === 'disappeared' ? null : r,
      severity: type === 'disappeared' ? 'critical' : 'info',
    });
    const until = async (check: () => boolean, what: string) => {
      const deadline = Date.now() + 20_000;
      while (!check()) {
        if (Date.now() > deadline)
          throw new Error(
            `timed out: ${what}; decisions ${decisions.map((d) => `${d.action}/${d.severity}: ${d.reason}`)}`,
          );
        await new Promise((r) => setTimeout(r, 25));
      }
    };

    const first: PolicyRequest = {
      store: store.id,
      key: `rev-1-${account}`,
      revision: 1,
      changes: [change('appeared', sg, 1)],
    };
    await requests.add('evaluate', first, { jobId: first.key });
    await until(() => decisions.length >= 1, 'the open security group');
    // The same request again (a retry) and a later change of the same group decide nothing new.
    await requests.add('evaluate', first, { jobId: `${first.key}-again` });
    const later: PolicyRequest = {
      store: store.id,
      key: `rev-2-${account}`,
      revision: 2,
      changes: [change('modified', sg, 2)],
    };
    await requests.add('evaluate', later, { jobId: later.key });
    const gone: PolicyRequest = {
      store: store.id,
      key: `rev-3-${account}`,
      revision: 3,
      changes: [change('disappeared', db, 3)],
    };
    await requests.add('evaluate', gone, { jobId: gone.key });
    await until(() => decisions.some((d) => d.resource.id === db.id), 'the blessed database');
    await new Promise((r) => setTimeout(r, 1_000));

    const summary = decisions.map(
      (d) => `${d.action}/${d.severity} ${d.resource.id.split(':')[4]} ${d.policy?.package ?? '-'}`,
    );
    // The findings once each, and each tracked change (alert_on: info → audit) once per change id.
    expect(summary.sort()).toEqual([
      'alert/critical orders elava.lifecycle',
      'alert/critical sg-1 elava.security',
      'audit/info sg-1 -',
      'audit/info sg-1 -',
    ]);
    expect(
      decisions
        .filter((d) => d.action === 'audit')
        .map((d) => d.change?.type)
        .sort(),
    ).toEqual(['appeared', 'modified']);
    const sgAlert = decisions.find((d) => d.resource.id === sg.id && d.action === 'alert');
    expect(sgAlert?.reason).toBe('security group sg-1 is open to 0.0.0.0/0 on port 22');
    expect(decisions.find((d) => d.resource.id === db.id)?.change?.type).toBe('disappeared');
    // The trail: one policy_evaluated per request, one decided per decision (keys make retries land once).
    const drafts = (await audit.getJobs(['waiting', 'delayed', 'completed', 'active'])).map((j) => j.data);
    expect(
      drafts
        .filter((d) => d.type === 'decided')
        .map((d) => (d.data.decision as Decision).id)
        .sort(),
    ).toEqual(decisions.map((d) => d.id).sort());
    expect(new Set(drafts.filter((d) => d.type === 'policy_evaluated').map((d) => d.data.request)).size).toBe(3);
  });

  it('evaluates a whole scope after a clean scan: a persisting finding once, again after the re-notify interval', async () => {
    const { store, subject } = await servedStore('scope');
    const { account, requests, decisions } = await wirePolicy(1_500, subject);
    const group = (n: number, open: boolean) => securityGroup(account, n, open);
    const scope = { account, region: 'us-east-1', type: 'ec2.security_group' as const };
    // 1,200 groups: more than one page of the recorder's answer; one is open.
    const groups = Array.from({ length: 1_200 }, (_, i) => group(i, i === 7));
    const { revision } = await store.applyScan('scan-1', scope, groups, { complete: true });
    const evaluate = (key: string) => evaluateScope(requests, key, revision, scope, store.id);
    await evaluate('scope-a');
    expect(decisions.map((d) => `${d.action}/${d.severity} ${d.resource.id.split(':')[4]}`)).toEqual([
      'alert/critical sg-7',
    ]);
    await evaluate('scope-b');
    expect(decisions).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1_600));
    await evaluate('scope-c');
    expect(decisions).toHaveLength(2);
    expect(decisions[1]?.id).not.toBe(decisions[0]?.id);
    expect(decisions[1]?.reason).toBe(decisions[0]?.reason);
  });

  it('counts a scope against the expected inventory: unwanted beyond the count, missing below it', async () => {
    const { store, subject } = await servedStore('inventory');
    const expected: ExpectedInventory = {
      'ec2.instance': [{ name: 'web', match: { role: 'web' }, count: 2, tags: {} }],
    };
    const { account, requests, decisions } = await wirePolicy(60_000, subject, {
      expected,
      counted: ['ec2.instance'],
    });
    const web = (n: number) =>
      ({
        id: `aws:${account}:us-east-1:ec2.instance:i-${n}`,
        provider: 'aws',
        account,
        region: 'us-east-1',
        type: 'ec2.instance',
        native_id: `i-${n}`,
        name: `web-${n}`,
        tags: { role: 'web' },
        attributes: { state: 'running', instance_type: 't3.micro' },
      }) as unknown as AnyResource;
    const scope = { account, region: 'us-east-1', type: 'ec2.instance' as const };
    const counts = () =>
      decisions
        .filter((d) => d.policy?.package === 'elava.inventory')
        .map((d) => `${d.action}/${d.severity} ${d.resource.id.split(':')[4]}: ${d.reason}`);

    const three = await store.applyScan('scan-1', scope, [web(1), web(2), web(3)], { complete: true });
    await evaluateScope(requests, 'inv-a', three.revision, scope, store.id);
    expect(counts()).toEqual([
      `notify/warning expected/web: 1 unwanted web (ec2.instance) in ${account}/us-east-1: 3 found where 2 are expected`,
    ]);
    const unwanted = decisions.find((d) => d.policy?.package === 'elava.inventory');
    expect(unwanted?.metadata.expectation).toMatchObject({
      kind: 'unwanted',
      resources: [web(1).id, web(2).id, web(3).id],
    });

    const one = await store.applyScan('scan-2', scope, [web(1)], { complete: true });
    await evaluateScope(requests, 'inv-b', one.revision, scope, store.id);
    await evaluateScope(requests, 'inv-c', one.revision, scope, store.id);
    expect(counts().slice(1)).toEqual([
      `notify/warning expected/web: missing 1 of 2 expected web (ec2.instance) in ${account}/us-east-1`,
    ]);
  });
});
