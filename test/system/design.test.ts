import { copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { DescribeImagesCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { CHURN } from '@elava/demo';
import { RESOURCE_TYPES } from '@elava/types';
import { afterEach, describe, expect, it } from 'vitest';
import { demoIds, type SystemCluster, startCluster } from '../support/cluster.js';
import { infra, tempDirFor } from '../support/infra.js';
import { resetMoto } from '../support/seed.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURE = join(ROOT, 'test/fixtures/design-004.yaml.txt');
const SERVICES = ['api', 'detector', 'executor', 'notifier', 'policy', 'recorder', 'scanner'];

interface Posted {
  channel?: string;
  text: string;
  blocks?: unknown[];
}

/** A Slack-compatible webhook on loopback that keeps what it is sent. */
async function slack(servers: Server[]) {
  const posts: Posted[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      posts.push(JSON.parse(body) as Posted);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/X`, posts };
}

/**
 * The Day 2 design's configuration block (issue 13), as written in the design document, runs the
 * whole cluster: its one tag-filtered tier leaves no type unwatched, what changes reaches a person
 * by its alert_on severity, and a managed resource gone waits out the 24 h grace period.
 */
describe("system: the design's configuration, verbatim", () => {
  let c: SystemCluster | undefined;
  const servers: Server[] = [];
  afterEach(async () => {
    await c?.stop();
    c = undefined;
    for (const s of servers.splice(0)) s.close();
  });

  it('runs the cluster; every type is scanned; changes reach Slack by their alert_on severity', async () => {
    await resetMoto(infra().moto);
    // The file as written, where its `policies.path: ./policies/day2` finds the library.
    const dir = tempDirFor('elava-design-');
    copyFileSync(FIXTURE, join(dir, 'elava.yaml'));
    mkdirSync(join(dir, 'policies'));
    symlinkSync(join(ROOT, 'policies'), join(dir, 'policies', 'day2'));
    const hook = await slack(servers);
    c = await startCluster({
      regions: ['us-east-1'],
      configPath: join(dir, 'elava.yaml'),
      env: { SLACK_WEBHOOK: hook.url },
    });
    const cluster = c;
    await c.ready(SERVICES);
    await c.waitLog(/demo estate ready/);
    const ids = demoIds(c);
    const ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: infra().moto,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const image = (await ec2.send(new DescribeImagesCommand({}))).Images?.[0]?.ImageId;
    const run = async (tags: Record<string, string>) =>
      (
        await ec2.send(
          new RunInstancesCommand({
            ImageId: image,
            InstanceType: 't3.micro',
            MinCount: 1,
            MaxCount: 1,
            ...(Object.keys(tags).length > 0
              ? {
                  TagSpecifications: [
                    { ResourceType: 'instance', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
                  ],
                }
              : {}),
          }),
        )
      ).Instances?.[0]?.InstanceId as string;
    const managed = await run({ Name: 'batch', 'elava:managed': 'true', 'elava:owner': 'data', environment: 'dev' });
    const scan = async () => {
      const r = await cluster.cli(['scan', '--once', '--timeout', '90']);
      if (r.code !== 0) throw new Error(`elava scan exited ${r.code}\n${r.out}\n${r.err}\n${cluster.log()}`);
      await cluster.settle(3_000);
    };

    // The first scan: every type of the region scanned, the estate found (no change decisions).
    await scan();
    const status = JSON.parse((await c.cli(['status', '--json'])).out) as {
      store: { scopes: { key: string; last_scan: { complete: boolean } }[] };
    };
    const scanned = new Set(status.store.scopes.filter((s) => s.last_scan.complete).map((s) => s.key.split('/')[2]));
    expect([...scanned].sort()).toEqual([...RESOURCE_TYPES].sort());
    expect(c.decisions.filter((d) => d.change)).toEqual([]);
    await c.until(() => hook.posts.some((p) => p.channel === '#alerts-critical'), 'a critical finding on Slack');
    expect(hook.posts.every((p) => Array.isArray(p.blocks) && p.text.length > 0)).toBe(true);
    const before = c.decisions.length;

    // A new untagged instance, an owner-tag edit, a managed instance terminated.
    const untagged = await run({});
    const says = 'someone changes the owner tag of web-1';
    await (CHURN.find((s) => s.says === says) as (typeof CHURN)[number]).run(ec2, ids);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [managed] }));
    ec2.destroy();
    await scan();

    const later = c.decisions.slice(before);
    const byChange = (type: string) =>
      later
        .filter((d) => d.change?.type === type)
        .map((d) => `${d.action}/${d.severity} ${d.resource.id.split(':')[4]}`);
    // new_untagged: info → severity_actions.info: audit (recorded, not posted).
    // (The instance came with its root volume and network interface, untagged too.)
    expect(byChange('appeared')).toContain(`audit/info ${untagged}`);
    expect(
      byChange('appeared')
        .map((d) => d.split(' ')[1]?.split('-')[0])
        .sort(),
    ).toEqual(['eni', 'i', 'vol']);
    expect(byChange('appeared').every((d) => d.startsWith('audit/info '))).toBe(true);
    // tag_drift: warning → notify, posted to the warning channel; web-1 runs in production, so
    // auto_protect_prod also proposes protecting it.
    expect(byChange('tag_drift').sort()).toEqual([`notify/warning ${ids.web}`, `protect/warning ${ids.web}`]);
    await c.until(
      () => hook.posts.some((p) => p.channel === '#alerts-warn' && p.text.includes(ids.web)),
      'the tag drift on #alerts-warn',
    );
    // disappeared_managed: warning, but only after behavior.grace_period (24h): nothing yet.
    expect(byChange('disappeared')).toEqual([]);
    const held = JSON.parse((await c.cli(['audit', '--type', 'changes_detected', '--json'])).out) as {
      data: { held?: number };
    }[];
    expect(held.some((e) => (e.data.held ?? 0) >= 1)).toBe(true);
  });
});
