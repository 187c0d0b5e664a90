import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DescribeImagesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { createRedis, jetstreamManager } from '@elava/bus';
import { EXIT, type Io, run } from '@elava/cli';
import { StoreReader, serveQueries } from '@elava/query';
import { Store } from '@elava/store';
import type { AnyResource, AuditEntryDraft, Decision } from '@elava/types';
import { describe, expect, it, onTestFinished } from 'vitest';
import { countingProxy, ec2TagsOf, publishDecision, testExecutor, trailOf } from '../support/executor.js';
import { infra, silentLog, tempDirFor, unique } from '../support/infra.js';
import { until } from '../support/pipeline.js';
import { resetMoto } from '../support/seed.js';
import { useStage, watchStream } from '../support/stage.js';

const MAIN = resolve(import.meta.dirname, '../../services/executor/dist/main.js');
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** Claims, modes, approvals and the population guard, on moto, Redis and NATS. */
describe('executor coordination and safety rails', () => {
  const stage = useStage(async () => {
    await resetMoto(infra().moto);
  });
  const ec2 = new EC2Client({ region: REGION, endpoint: infra().moto, credentials });
  stage.defer(async () => ec2.destroy());

  async function instances(n: number): Promise<string[]> {
    const image = (await ec2.send(new DescribeImagesCommand({}))).Images?.[0]?.ImageId;
    const out = await ec2.send(
      new RunInstancesCommand({
        ImageId: image,
        InstanceType: 't3.micro',
        MinCount: n,
        MaxCount: n,
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'environment', Value: 'dev' }] }],
      }),
    );
    return out.Instances!.map((i) => i.InstanceId!);
  }
  const tagsOf = (id: string) => ec2TagsOf(ec2, id);
  const autoTag = (native: string, type: Decision['resource']['type'] = 'ec2.instance'): Decision => ({
    id: unique('d'),
    store: 'a1b2c3d4e5f6',
    action: 'auto_tag',
    severity: 'warning',
    resource: { id: `aws:${ACCOUNT}:${REGION}:${type}:${native}`, type, account: ACCOUNT, region: REGION, tags: {} },
    reason: `${native} lacks the required tag elava:owner`,
    policy: { package: 'elava.tags', rule: 'warn' },
    revision: 1,
    time: new Date().toISOString(),
    metadata: { mode: 'enforce' },
  });
  const ofType = (trail: AuditEntryDraft[], type: string) => trail.filter((e) => e.type === type);

  it('two executors on the same decisions write each resource once', async () => {
    const prefix = unique('elava-exec2');
    const ids = await instances(5);
    const proxy = await countingProxy();
    // Each has a durable of its own, so both receive every decision: only claims and the queue keep them apart.
    await testExecutor(stage, { prefix, endpoint: proxy.url });
    await testExecutor(stage, { prefix, endpoint: proxy.url });
    for (const id of ids) await publishDecision(stage, autoTag(id));
    await until(async () => ofType(await trailOf(prefix), 'executed').length >= 5, 'five executions');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(proxy.writes.get('CreateTags')).toBe(5);
    expect(ofType(await trailOf(prefix), 'executed')).toHaveLength(5);
    for (const id of ids) expect(await tagsOf(id)).toEqual({ environment: 'dev', 'elava:owner': 'platform' });
  });

  it('an executor killed while holding a claim: another completes the work after the TTL, written once', async () => {
    const prefix = unique('elava-execkill');
    const [id] = await instances(1);
    const slow = await countingProxy(4_000);
    const fast = await countingProxy();
    const dir = tempDirFor('elava-execkill-');
    const config = join(dir, 'elava.yaml');
    writeFileSync(
      config,
      [
        'version: "2.0"',
        `regions: [${REGION}]`,
        `aws: { endpoint: "${slow.url}" }`,
        `redis: { url: "${infra().redis}" }`,
        `nats: { url: "${infra().nats}" }`,
        'policies: { enforcement_mode: enforce }',
        'actions:',
        '  tagging: { default_tags: { "elava:owner": platform } }',
        '  safety: { claim_ttl: 2s, guard_window: 100ms }',
      ].join('\n'),
    );
    const durable = unique('elava-executor');
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        ELAVA_CONFIG: config,
        ELAVA_QUEUE_PREFIX: prefix,
        ELAVA_EXECUTOR_DURABLE: durable,
        ELAVA_JOB_LOCK_MS: '1000',
        ELAVA_LOG_LEVEL: 'warn',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    onTestFinished(() => void (child.exitCode === null && child.kill('SIGKILL')));
    const redis = createRedis(infra().redis, 'producer');
    onTestFinished(() => redis.disconnect());
    // Ready once its durable consumer exists (it takes decisions made from then on).
    const jsm = await jetstreamManager(stage.nc);
    await until(
      () =>
        jsm.consumers.info('ELAVA_DECISIONS', durable).then(
          () => true,
          () => false,
        ),
      'the executor process to subscribe',
    );
    const d = autoTag(id!);
    await publishDecision(stage, d);
    const claimKey = `${prefix}:claim:${d.resource.id}`;
    await until(async () => (await redis.exists(claimKey)) === 1, 'the first executor to claim the instance');
    child.kill('SIGKILL');
    const killedAt = Date.now();

    await testExecutor(stage, { prefix, endpoint: fast.url, claimTtlMs: 2_000 });
    await until(
      async () => ofType(await trailOf(prefix), 'executed').length >= 1,
      'the work completed by the other executor',
      30_000,
    );
    const trail = await trailOf(prefix);
    const executed = ofType(trail, 'executed');
    expect(executed).toHaveLength(1);
    expect((executed[0]?.data.claim as { owner: string } | undefined)?.owner).toMatch(/^executor/);
    expect((slow.writes.get('CreateTags') ?? 0) + (fast.writes.get('CreateTags') ?? 0)).toBe(1);
    expect(Date.now() - killedAt).toBeGreaterThan(1_000);
    expect(await tagsOf(id!)).toEqual({ environment: 'dev', 'elava:owner': 'platform' });
  });

  it('dry_run writes nothing and records the exact calls it would make', async () => {
    const prefix = unique('elava-execdry');
    const [id] = await instances(1);
    const proxy = await countingProxy();
    await testExecutor(stage, { prefix, endpoint: proxy.url, settings: { mode: 'dry_run' } });
    await publishDecision(stage, autoTag(id!));
    await until(async () => ofType(await trailOf(prefix), 'skipped').length >= 1, 'the dry run recorded');
    const [skipped] = ofType(await trailOf(prefix), 'skipped');
    expect(skipped?.data).toMatchObject({
      dry_run: true,
      calls: [
        {
          service: 'ec2',
          operation: 'CreateTags',
          input: { Resources: [id], Tags: [{ Key: 'elava:owner', Value: 'platform' }] },
        },
      ],
    });
    expect(proxy.writes.size).toBe(0);
    expect(await tagsOf(id!)).toEqual({ environment: 'dev' });
  });

  it('with approval required: an approved write is made, an unapproved one expires and is never made', async () => {
    const prefix = unique('elava-execok');
    const [a, b] = await instances(2);
    await testExecutor(stage, { prefix, settings: { requireApproval: true }, approvalTimeoutMs: 2_500 });
    const da = autoTag(a!);
    const db = autoTag(b!);
    await publishDecision(stage, da);
    await publishDecision(stage, db);
    await until(
      async () => ofType(await trailOf(prefix), 'awaiting_approval').length >= 2,
      'both waiting for approval',
    );
    expect(await tagsOf(a!)).toEqual({ environment: 'dev' });

    const ask = async (id: string) =>
      (await stage.nc.request(`elava.approvals.${id}`, JSON.stringify({ by: 'alice' }), { timeout: 5_000 })).json() as {
        ok: boolean;
        error?: string;
      };
    // `elava approve` is the way a person approves; the NATS request is what it sends.
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: { NATS_URL: infra().nats },
      cwd: process.cwd(),
      tty: false,
    };
    expect(await run(['approve', da.id, '--by', 'alice'], io)).toBe(EXIT.ok);
    expect(out.join('')).toMatch(
      new RegExp(`^approved by alice: auto_tag on aws:${ACCOUNT}:${REGION}:ec2.instance:${a}`),
    );
    expect(await run(['approve', da.id], io)).toBe(EXIT.finding);
    expect(err.join('')).toBe(`elava: no write is waiting for approval under decision ${da.id}`);
    expect(await ask(da.id)).toEqual({ ok: false, error: `no write is waiting for approval under decision ${da.id}` });
    await until(async () => ofType(await trailOf(prefix), 'executed').length >= 1, 'the approved write');
    expect(await tagsOf(a!)).toEqual({ environment: 'dev', 'elava:owner': 'platform' });

    await until(
      async () => ofType(await trailOf(prefix), 'skipped').some((e) => e.data.reason === 'approval expired'),
      'the other approval to expire',
    );
    expect((await ask(db.id)).ok).toBe(false);
    const trail = await trailOf(prefix);
    expect(ofType(trail, 'approved').map((e) => [e.data.decision_id, e.data.by])).toEqual([[da.id, 'alice']]);
    expect(ofType(trail, 'executed').map((e) => e.data.decision_id)).toEqual([da.id]);
    expect(await tagsOf(b!)).toEqual({ environment: 'dev' });
  });

  it('the population guard holds a mass change and raises one critical alert', async () => {
    const prefix = unique('elava-execguard');
    // The recorder's view: a scope of 20 volumes, 12 of which become eligible at once (60% > 20%).
    const store = await Store.open(tempDirFor('elava-execguard-'));
    const subject = unique('elava.query-guard');
    const served = serveQueries(stage.nc, new StoreReader(store), silentLog, subject);
    onTestFinished(async () => {
      served.unsubscribe();
      await store.close();
    });
    const account = String(400_000_000_000 + Math.floor(Math.random() * 99_999_999_999));
    const volume = (n: number) =>
      ({
        id: `aws:${account}:${REGION}:ec2.volume:vol-${n}`,
        provider: 'aws',
        account,
        region: REGION,
        type: 'ec2.volume',
        native_id: `vol-${n}`,
        name: `v${n}`,
        tags: {},
        attributes: {},
      }) as unknown as AnyResource;
    await store.applyScan(
      'scan-1',
      { account, region: REGION, type: 'ec2.volume' },
      Array.from({ length: 20 }, (_, i) => volume(i)),
      {
        complete: true,
      },
    );
    const proxy = await countingProxy();
    await testExecutor(stage, { prefix, endpoint: proxy.url, querySubject: subject, guard: { windowMs: 1_000 } });
    await testExecutor(stage, { prefix, endpoint: proxy.url, querySubject: subject, guard: { windowMs: 1_000 } });
    const alerts = await watchStream<Decision>(
      stage,
      'ELAVA_DECISIONS',
      (d) => d.action === 'alert' && d.resource.account === account,
    );
    const decisions = Array.from({ length: 12 }, (_, i) => {
      const d = autoTag(`vol-${i}`, 'ec2.volume');
      return { ...d, resource: { ...d.resource, id: `aws:${account}:${REGION}:ec2.volume:vol-${i}`, account } };
    });
    for (const d of decisions) await publishDecision(stage, d);
    await until(async () => ofType(await trailOf(prefix), 'skipped').length >= 12, 'all twelve held');
    await new Promise((r) => setTimeout(r, 1_000));
    const held = ofType(await trailOf(prefix), 'skipped');
    expect(new Set(held.map((e) => e.data.decision_id))).toEqual(new Set(decisions.map((d) => d.id)));
    expect(held.every((e) => e.data.reason === 'held by the population guard' && e.data.population === 20)).toBe(true);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'critical', resource: { type: 'ec2.volume', account } });
    expect(alerts[0]?.reason).toMatch(/^population guard: 12 of 20 ec2.volume/);
    expect(proxy.writes.size).toBe(0);
    expect(ofType(await trailOf(prefix), 'executing')).toHaveLength(0);
  });
});
