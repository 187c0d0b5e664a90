import { createQueue, createRedis, ensureStreams, QUEUES } from '@elava/bus';
import { SHADOW_STREAM, startPolicy } from '@elava/policy';
import { QueryClient, StoreReader, serveQueries } from '@elava/query';
import { Store } from '@elava/store';
import type { AnyResource, AuditEntryDraft, Decision, PolicyRequest, PublishedChange } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { infra, silentLog, tempDirFor, unique } from '../support/infra.js';
import { DEFAULT_DECISIONS, libraryPool } from '../support/policy.js';
import { useStage, watchStream } from '../support/stage.js';

/**
 * Shadow mode on real Redis and NATS with the compiled library: a package in `policies.shadow` is
 * evaluated and recorded, its decisions reach `elava.shadow.decisions.*` (ELAVA_SHADOW_DECISIONS)
 * and never `elava.decisions.*` (ELAVA_DECISIONS, what the notifier and executor consume); taken
 * off the list, it decides in service at once.
 */
describe('policy shadow mode', () => {
  const stage = useStage(async () => {});

  it("publishes a shadow package's finding only on the shadow subject, and in service once taken off the list", async () => {
    await ensureStreams(stage.nc, [SHADOW_STREAM]);
    const store = await Store.open(tempDirFor('elava-shadow-'));
    const querySubject = unique('elava.query-shadow');
    const served = serveQueries(stage.nc, new StoreReader(store), silentLog, querySubject);
    const prefix = unique('elava-shadow');
    const account = String(300_000_000_000 + Math.floor(Math.random() * 699_999_999_999));
    const shadow = new Set(['elava.security']);
    const pool = await libraryPool();
    const producer = createRedis(infra().redis, 'producer');
    const consumer = createRedis(infra().redis, 'worker');
    const policy = startPolicy({
      settings: DEFAULT_DECISIONS,
      renotifyMs: 60_000,
      query: new QueryClient(stage.nc, 5_000, querySubject),
      pool: () => pool,
      nc: stage.nc,
      producer,
      consumer,
      log: silentLog,
      prefix,
      shadow: () => shadow,
    });
    const requests = createQueue<PolicyRequest>(QUEUES.policy, { connection: producer, prefix });
    const audit = createQueue<AuditEntryDraft>(QUEUES.audit, { connection: producer, prefix });
    stage.defer(async () => {
      await policy.close();
      await requests.close();
      await audit.close();
      await pool.close();
      producer.disconnect();
      consumer.disconnect();
      served.unsubscribe();
      await store.close();
    });
    const ours = (d: Decision) => d.resource.id.startsWith(`aws:${account}:`);
    const live = await watchStream<Decision>(stage, 'ELAVA_DECISIONS', ours);
    const shadowed = await watchStream<Decision>(stage, SHADOW_STREAM.name, ours);
    const subjects: string[] = [];
    await watchStream<Decision>(stage, SHADOW_STREAM.name, (d, msg) => ours(d) && subjects.push(msg.subject) > 0);

    // SSH open to the world (elava.security, in the shadow) and no tags at all (elava.tags, in service: info).
    const sg = {
      id: `aws:${account}:us-east-1:ec2.security_group:sg-1`,
      provider: 'aws',
      account,
      region: 'us-east-1',
      type: 'ec2.security_group',
      native_id: 'sg-1',
      name: 'ssh',
      tags: {},
      attributes: {
        group_name: 'ssh',
        description: 'd',
        rules: [{ direction: 'ingress', protocol: 'tcp', from_port: 22, to_port: 22, source: '0.0.0.0/0' }],
      },
    } as unknown as AnyResource;
    const change = (type: 'appeared' | 'modified', revision: number): PublishedChange => ({
      id: `${type}-${revision}-${account}`,
      type,
      store: store.id,
      resource_id: sg.id,
      revision,
      previous_revision: type === 'appeared' ? null : revision - 1,
      time: new Date().toISOString(),
      diff: [],
      previous: type === 'appeared' ? null : sg,
      current: sg,
      severity: 'none',
    });
    const until = async (check: () => boolean, what: string) => {
      const deadline = Date.now() + 20_000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const send = (key: string, c: PublishedChange) =>
      requests.add('evaluate', { store: store.id, key, revision: c.revision, changes: [c] }, { jobId: key });

    await send(`rev-1-${account}`, change('appeared', 1));
    await until(() => shadowed.length >= 1 && live.length >= 1, 'a shadow and a live decision');
    await new Promise((r) => setTimeout(r, 1_000));
    const what = (ds: Decision[]) => ds.map((d) => `${d.action}/${d.severity} ${d.policy?.package ?? '-'}`).sort();
    expect(what(shadowed)).toEqual(['alert/critical elava.security']);
    expect(shadowed[0]?.reason).toBe('security group sg-1 is open to 0.0.0.0/0 on port 22');
    expect(shadowed[0]?.metadata.shadow).toBe(true);
    expect(subjects).toEqual(['elava.shadow.decisions.alert.critical']);
    // In service: the tags, never the shadow package's finding.
    expect(what(live)).toEqual(['notify/info elava.tags']);

    // The trail: the shadow's own policy_evaluated entry names what it would have decided; the
    // `decided` entries (what `elava decisions` lists, what the memory is rebuilt from) are the live ones.
    const drafts = (await audit.getJobs(['waiting', 'delayed', 'completed', 'active'])).map((j) => j.data);
    const evaluated = drafts.filter((d) => d.type === 'policy_evaluated');
    expect(evaluated.map((d) => d.data.shadow ?? false).sort()).toEqual([false, true]);
    const shadowEntry = evaluated.find((d) => d.data.shadow)?.data as Record<string, unknown>;
    expect(shadowEntry).toMatchObject({ packages: ['elava.security'], findings: 1, decisions: 1, failures: [] });
    expect(shadowEntry.decided).toEqual([
      expect.objectContaining({ id: shadowed[0]?.id, package: 'elava.security', resource_id: sg.id }),
    ]);
    expect(evaluated.find((d) => !d.data.shadow)?.data).toMatchObject({ decisions: 1 });
    expect(
      drafts.filter((d) => d.type === 'decided').map((d) => (d.data.decision as Decision).policy?.package),
    ).toEqual(['elava.tags']);

    // Off the list: the next request decides it in service (its shadow decision holds nothing back).
    shadow.delete('elava.security');
    await send(`rev-2-${account}`, change('modified', 2));
    await until(() => live.some((d) => d.policy?.package === 'elava.security'), 'the security finding in service');
    await new Promise((r) => setTimeout(r, 500));
    expect(live.filter((d) => d.policy?.package === 'elava.security').map((d) => `${d.action}/${d.severity}`)).toEqual([
      'alert/critical',
    ]);
    expect(shadowed).toHaveLength(1);
  });
});
