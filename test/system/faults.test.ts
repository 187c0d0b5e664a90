import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { CHURN } from '@elava/demo';
import { type AuditEntry, RESOURCE_TYPES, TYPE_CATALOG } from '@elava/types';
import { afterEach, describe, expect, it } from 'vitest';
import { demoIds, type SystemCluster, startCluster, tallyDecisions } from '../support/cluster.js';
import { infra } from '../support/infra.js';
import { resetMoto } from '../support/seed.js';

const SERVICES = ['api', 'detector', 'executor', 'notifier', 'policy', 'recorder', 'scanner'];
const EXPECTED = join(import.meta.dirname, 'expected');

describe('system: faults and scale', () => {
  let c: SystemCluster | undefined;
  afterEach(async () => {
    await c?.stop();
    c = undefined;
  });

  it('recorder and detector SIGKILLed, Redis and NATS restarted: nothing lost, nothing decided twice, the chain verifies', async () => {
    await resetMoto(infra().moto);
    c = await startCluster({ regions: ['us-east-1'] });
    await c.ready(SERVICES);
    await c.waitLog(/demo estate ready/);
    const cluster = c;
    const ids = demoIds(c);
    const ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: infra().moto,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    // A scan that may lose its own connection while Redis restarts: run again until it reports.
    const scan = async (...args: string[]) => {
      for (let i = 0; i < 5; i++) {
        const r = await cluster.cli(['scan', '--once', '--timeout', '60', ...args]);
        if (r.code === 0) return;
        await new Promise((res) => setTimeout(res, 1_000));
      }
      throw new Error(`elava scan kept failing\n${cluster.log()}`);
    };
    const step = (says: string) => (CHURN.find((s) => s.says === says) as (typeof CHURN)[number]).run(ec2, ids);

    await scan();
    await c.settle();

    // 1. The recorder and the detector die with SIGKILL while a scan is being recorded.
    await step('someone changes the owner tag of web-1');
    const during = scan();
    await c.waitLog(/"msg":"scanned"/);
    await Promise.all([c.kill('recorder'), c.kill('detector')]);
    c.start('recorder');
    c.start('detector');
    await during;
    await c.ready(['recorder', 'detector']);
    await c.settle();

    // 2. Redis restarts (clean shutdown, append-only file) in the middle of a scan.
    await step('someone opens RDP (3389) to the world on ssh-open');
    const scanning = scan();
    await new Promise((r) => setTimeout(r, 300));
    await c.restartInfra('redis');
    await scanning;
    await scan();
    await c.settle(4_000);

    // 3. NATS restarts (JetStream on disk) while changes and decisions stream.
    await step('someone terminates the blessed bastion');
    const streaming = scan();
    await new Promise((r) => setTimeout(r, 500));
    await c.restartInfra('nats');
    await streaming;
    await scan();
    await c.settle(5_000);
    ec2.destroy();

    const initial = JSON.parse(readFileSync(join(EXPECTED, 'demo-initial.json'), 'utf8')) as Record<string, number>;
    const churn = JSON.parse(readFileSync(join(EXPECTED, 'demo-churn.json'), 'utf8')) as Record<
      string,
      Record<string, number>
    >;
    const expected = Object.fromEntries(Object.entries(initial).filter(([k]) => k.startsWith('us-east-1 ')));
    for (const s of [
      'someone changes the owner tag of web-1',
      'someone opens RDP (3389) to the world on ssh-open',
      'someone terminates the blessed bastion',
    ])
      for (const [k, n] of Object.entries(churn[s] ?? {})) expected[k] = (expected[k] ?? 0) + n;
    expect(tallyDecisions(c.decisions)).toEqual(
      Object.fromEntries(Object.entries(expected).sort(([a], [b]) => a.localeCompare(b))),
    );
    expect(new Set(c.decisions.map((d) => d.id)).size).toBe(c.decisions.length);

    const verify = await c.cli(['audit', '--verify', '--json']);
    expect(verify.code, verify.out).toBe(0);
    const status = JSON.parse((await c.cli(['status', '--json'])).out) as {
      store: { scopes: { key: string; last_scan: { complete: boolean } }[] };
    };
    expect(status.store.scopes.length).toBe(RESOURCE_TYPES.length);
    expect(status.store.scopes.every((s) => s.last_scan.complete)).toBe(true);
  });

  it('three scanners, one stopped mid-run: every scope recorded once', async () => {
    await resetMoto(infra().moto);
    c = await startCluster({ regions: ['us-east-1', 'eu-west-1'], scanners: 3 });
    await c.ready(SERVICES);
    await c.waitLog(/demo estate ready/);
    const scanning = c.cli(['scan', '--once', '--timeout', '120']);
    await c.waitLog(/scanner-1 .*"msg":"scanned"/);
    await c.kill('scanner-1');
    const r = await scanning;
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    const trail = JSON.parse((await c.cli(['audit', '--type', 'scan_completed', '--json'])).out) as AuditEntry[];
    const byScope = new Map<string, number>();
    for (const e of trail) {
      const s = e.data.scope as { account: string; region: string; type: string };
      const key = `${s.account}/${s.region}/${s.type}`;
      byScope.set(key, (byScope.get(key) ?? 0) + 1);
    }
    // Global types (IAM, CloudFront, Route 53) are one scope per account, not one per region.
    const global = RESOURCE_TYPES.filter((t) => TYPE_CATALOG[t].global).length;
    expect(byScope.size).toBe(2 * RESOURCE_TYPES.length - global);
    expect([...byScope.values()].every((n) => n === 1)).toBe(true);
    const verify = await c.cli(['audit', '--verify']);
    expect(verify.code, verify.out).toBe(0);
  });
});
