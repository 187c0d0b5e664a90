import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { createRedis, DeliverPolicy, jetstream } from '@elava/bus';
import { CHURN } from '@elava/demo';
import type { Change, Decision } from '@elava/types';
import { afterEach, describe, expect, it } from 'vitest';
import {
  demoIds,
  freePort,
  type SystemCluster,
  startCluster,
  startOwnInfra,
  tallyDecisions,
} from '../support/cluster.js';
import { infra, tempDirFor } from '../support/infra.js';
import { resetMoto } from '../support/seed.js';

const SERVICES = ['api', 'detector', 'executor', 'notifier', 'policy', 'recorder', 'scanner'];
const EXPECTED = join(import.meta.dirname, 'expected');

/** The hand-reviewed decisions of the demo's first scan in one region (see demo.test.ts). */
function initialDecisions(region: string): Record<string, number> {
  const all = JSON.parse(readFileSync(join(EXPECTED, 'demo-initial.json'), 'utf8')) as Record<string, number>;
  return Object.fromEntries(
    Object.entries(all)
      .filter(([k]) => k.startsWith(`${region} `))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

async function scanned(c: SystemCluster): Promise<void> {
  const r = await c.cli(['scan', '--once', '--timeout', '90']);
  if (r.code !== 0) throw new Error(`elava scan exited ${r.code}\n${r.out}\n${r.err}\n${c.log()}`);
}

async function storeOf(c: SystemCluster): Promise<{ store: string; stats: { resources: number } }> {
  const s = JSON.parse((await c.cli(['status', '--json'])).out) as {
    store: { store: string; stats: { resources: number } };
  };
  return s.store;
}

/** Every change published on the cluster's ELAVA_CHANGES, from the start of the stream. */
function followChanges(c: SystemCluster): Change[] {
  const changes: Change[] = [];
  void (async () => {
    const consumer = await jetstream(c.nc).consumers.get('ELAVA_CHANGES', {
      filter_subjects: 'elava.changes.>',
      deliver_policy: DeliverPolicy.All,
    });
    for await (const m of await consumer.consume()) changes.push(m.json<Change>());
  })().catch(() => {});
  return changes;
}

/**
 * Redis keys outlive the store they describe (issue 17): each store has an identity, and every key
 * derived from its state names it; the decision memory is a cache of the audit trail.
 */
describe('system: state that belongs to one store', () => {
  let clusters: SystemCluster[] = [];
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of clusters) await c.stop();
    clusters = [];
    for (const s of stops.splice(0)) await s();
  });

  it('a fresh store on a Redis and NATS an earlier store used: every change announced once, every finding decided', async () => {
    await resetMoto(infra().moto);
    const c = await startCluster({ regions: ['us-east-1'] });
    clusters.push(c);
    await c.ready(SERVICES);
    await c.waitLog(/demo estate ready/);
    const changes = followChanges(c);
    await scanned(c);
    await c.settle();
    const old = await storeOf(c);
    expect(tallyDecisions(c.decisions.filter((d) => d.store === old.store))).toEqual(initialDecisions('us-east-1'));
    // The old store goes on to more revisions than the new one will have.
    await scanned(c);
    await scanned(c);
    await c.settle();

    // A new data directory (a new disk, a restored backup of another store) under the same Redis and NATS.
    await c.kill('recorder', 'SIGTERM');
    c.env.ELAVA_DATA_DIR = tempDirFor('elava-system-newstore-');
    c.start('recorder');
    await c.ready(['recorder']);
    const fresh = await storeOf(c);
    expect(fresh.store).not.toBe(old.store);
    await scanned(c);
    await c.settle(4_000);

    const now = await storeOf(c);
    expect(now.store).toBe(fresh.store);
    const announced = changes.filter((ch) => ch.store === fresh.store);
    // Every resource of the new store appeared, and was announced once.
    expect(announced.length).toBe(now.stats.resources);
    expect(announced.every((ch) => ch.type === 'appeared')).toBe(true);
    expect(new Set(announced.map((ch) => ch.resource_id)).size).toBe(announced.length);
    // Every finding decided again for the new store, exactly as the first time.
    const decided = c.decisions.filter((d) => d.store === fresh.store);
    expect(tallyDecisions(decided)).toEqual(initialDecisions('us-east-1'));
    expect(new Set(c.decisions.map((d) => d.id)).size).toBe(c.decisions.length);
  });

  it('Redis flushed between two scans: nothing decided again within renotify_interval, nothing lost', async () => {
    await resetMoto(infra().moto);
    const c = await startCluster({ regions: ['us-east-1'] });
    clusters.push(c);
    await c.ready(SERVICES);
    await c.waitLog(/demo estate ready/);
    const ids = demoIds(c);
    await scanned(c);
    await c.settle();
    const before = c.decisions.length;
    expect(tallyDecisions(c.decisions)).toEqual(initialDecisions('us-east-1'));

    await c.redis.flushall();
    // Every scope is scanned cleanly again and evaluated whole: the findings persist, and are known.
    await scanned(c);
    await c.settle(4_000);
    expect(
      c.decisions.length,
      c.decisions
        .slice(before)
        .map((d) => d.reason)
        .join('\n'),
    ).toBe(before);
    await c.waitLog(/decision memory rebuilt from the audit trail/);

    // Nothing lost: a change after the flush is decided, once.
    const ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: infra().moto,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const says = 'someone opens RDP (3389) to the world on ssh-open';
    await (CHURN.find((s) => s.says === says) as (typeof CHURN)[number]).run(ec2, ids);
    ec2.destroy();
    await scanned(c);
    await c.settle(4_000);
    const churn = JSON.parse(readFileSync(join(EXPECTED, 'demo-churn.json'), 'utf8')) as Record<
      string,
      Record<string, number>
    >;
    expect(tallyDecisions(c.decisions.slice(before))).toEqual(churn[says]);
    const verify = await c.cli(['audit', '--verify']);
    expect(verify.code, verify.out).toBe(0);
  });

  it('two clusters on one Redis (own prefixes) and one NATS (own accounts): neither sees the other’s work', async () => {
    await resetMoto(infra().moto);
    const dir = tempDirFor('elava-system-shared-');
    const lines: string[] = [];
    // One Redis for both; one NATS server with an account per cluster, as the README advises.
    const { redisUrl, stopInfra } = await startOwnInfra(dir, lines);
    stops.push(() => stopInfra('redis').then(() => stopInfra('nats')));
    const natsPort = await freePort();
    mkdirSync(join(dir, 'nats-accounts'), { recursive: true });
    const conf = join(dir, 'nats-accounts.conf');
    writeFileSync(
      conf,
      [
        `listen: 127.0.0.1:${natsPort}`,
        `jetstream { store_dir: "${join(dir, 'nats-accounts')}" }`,
        'accounts {',
        '  EAST: { jetstream: enabled, users: [{ user: east, password: east-secret }] }',
        '  WEST: { jetstream: enabled, users: [{ user: west, password: west-secret }] }',
        '}',
      ].join('\n'),
    );
    const nats = spawn('nats-server', ['-c', conf], { stdio: 'ignore' });
    stops.push(async () => {
      const gone = new Promise((r) => nats.once('exit', r));
      nats.kill('SIGTERM');
      await gone;
    });
    const natsUrl = (user: string) => `nats://${user}:${user}-secret@127.0.0.1:${natsPort}`;
    const [east, west] = await Promise.all([
      startCluster({
        regions: ['us-east-1'],
        prefix: 'elava-east',
        shared: { redisUrl, natsUrl: natsUrl('east') },
      }),
      startCluster({
        regions: ['eu-west-1'],
        prefix: 'elava-west',
        shared: { redisUrl, natsUrl: natsUrl('west') },
      }),
    ]);
    clusters.push(east, west);
    await Promise.all([east.ready(SERVICES), west.ready(SERVICES)]);
    await Promise.all([east.waitLog(/demo estate ready/), west.waitLog(/demo estate ready/)]);
    await Promise.all([scanned(east), scanned(west)]);
    await Promise.all([east.settle(), west.settle()]);

    for (const [c, region] of [
      [east, 'us-east-1'],
      [west, 'eu-west-1'],
    ] as const) {
      const listed = JSON.parse((await c.cli(['resources', '--json'])).out) as { id: string }[];
      expect(listed.length).toBeGreaterThan(10);
      expect(listed.filter((r) => !r.id.includes(`:${region}:`)).map((r) => r.id)).toEqual([]);
      expect(tallyDecisions(c.decisions)).toEqual(initialDecisions(region));
      expect(c.decisions.every((d: Decision) => d.resource.region === region)).toBe(true);
    }
    // Every key either cluster made starts with its own prefix: no `bull:` queue, no shared key.
    const redis = createRedis(redisUrl, 'producer', 'elava-system-test');
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'COUNT', 1000);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((k) => !k.startsWith('elava-east:') && !k.startsWith('elava-west:'))).toEqual([]);
    expect(keys.some((k) => k.startsWith('elava-east:'))).toBe(true);
    expect(keys.some((k) => k.startsWith('elava-west:'))).toBe(true);
  });
});
