import { EC2Client } from '@aws-sdk/client-ec2';
import { CHURN, type DemoRegion } from '@elava/demo';
import type { Decision } from '@elava/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SystemCluster, startCluster } from '../support/cluster.js';
import { infra } from '../support/infra.js';
import { resetMoto } from '../support/seed.js';

const REGIONS = ['us-east-1', 'eu-west-1'];
const SERVICES = ['api', 'detector', 'executor', 'notifier', 'policy', 'recorder', 'scanner'];

/** A decision as a line without the ids moto makes up, so a run's decisions compare with the expected ones. */
const line = (d: Decision) =>
  `${d.resource.region} ${d.action}/${d.severity} ${d.resource.type} ${d.policy?.package ?? d.change?.type}: ${d.reason}`
    .replace(/\b(sg|vol|snap|i|eni|eipalloc|nat|vpc|subnet|rtb|igw)-[0-9a-f]{8,}\b/g, '$1-*')
    .replace(/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}/g, '*')
    .replace(/\b\d+\.\d+\.\d+\.\d+\b/g, '*.*.*.*');
const tally = (ds: Decision[]) => {
  const m: Record<string, number> = {};
  for (const d of ds) m[line(d)] = (m[line(d)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => a.localeCompare(b)));
};

/**
 * The whole cluster as separate processes on moto (each service its own process, two scanners,
 * the demo estate in two regions): the demo scenario produces exactly its expected decisions.
 */
describe('system: the demo scenario', () => {
  let c: SystemCluster;
  beforeAll(async () => {
    await resetMoto(infra().moto);
    c = await startCluster({ regions: REGIONS });
    await c.ready(SERVICES);
    await c.waitLog(/demo estate ready/);
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
  });

  it('decides exactly what the demo estate breaks, then exactly what each churn step changes', async () => {
    const scan = await c.cli(['scan', '--once']);
    expect(scan.code, scan.err).toBe(0);
    await c.settle();
    const initial = tally(c.decisions);
    // Reviewed by hand: per region the SSH-open group, the public database and the public bucket
    // (critical), unencrypted storage and idle volumes/address (warning), the idle NAT (info), and
    // the tagging findings of every resource without owner/environment (auto_tag, in dry run).
    await expect(`${JSON.stringify(initial, null, 2)}\n`).toMatchFileSnapshot('./expected/demo-initial.json');

    const ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: infra().moto,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const ids = JSON.parse(
      /\{"level":"info"[^\n]*"region":"us-east-1"[^\n]*"msg":"demo estate seeded"\}/.exec(c.log())?.[0] ?? '{}',
    ) as DemoRegion;
    const steps: Record<string, Record<string, number>> = {};
    for (const step of CHURN) {
      const before = c.decisions.length;
      await step.run(ec2, ids);
      const rescan = await c.cli([
        'scan',
        '--once',
        '--region',
        'us-east-1',
        '--type',
        'ec2.instance',
        '--type',
        'ec2.security_group',
        '--type',
        'ec2.volume',
      ]);
      expect(rescan.code, rescan.err).toBe(0);
      await c.settle();
      steps[step.says] = tally(c.decisions.slice(before));
    }
    ec2.destroy();
    await expect(`${JSON.stringify(steps, null, 2)}\n`).toMatchFileSnapshot('./expected/demo-churn.json');

    // No decision was published twice: the stream has one message per id.
    expect(new Set(c.decisions.map((d) => d.id)).size).toBe(c.decisions.length);
    // The chain behind the bastion's alert, and the audit trail's hash chain.
    const gone = c.decisions.find((d) => d.change?.type === 'disappeared' && d.resource.id.endsWith(ids.bastion));
    expect(gone).toBeDefined();
    const why = await c.cli(['why', gone?.id as string]);
    expect(why.code, why.err).toBe(0);
    expect(why.out).toMatch(/change {6}disappeared at revision \d+/);
    expect(why.out).toMatch(/decision {4}alert critical: blessed resource/);
    const verify = await c.cli(['audit', '--verify']);
    expect(verify.code, verify.out).toBe(0);
  });
});
