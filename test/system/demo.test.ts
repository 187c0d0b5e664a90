import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { CHURN } from '@elava/demo';
import type { Decision } from '@elava/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIds, type SystemCluster, startCluster, tallyDecisions } from '../support/cluster.js';
import { infra } from '../support/infra.js';
import { resetMoto } from '../support/seed.js';

const REGIONS = ['us-east-1', 'eu-west-1'];
const SERVICES = ['api', 'detector', 'executor', 'notifier', 'policy', 'recorder', 'scanner'];

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
    const initial = tallyDecisions(c.decisions);
    // Reviewed by hand: per region the SSH-open group, the public database and the public bucket
    // (critical), unencrypted storage and idle volumes/address (warning), the idle NAT (info), and
    // the tagging findings of every resource without owner/environment (auto_tag, in dry run).
    await expect(`${JSON.stringify(initial, null, 2)}\n`).toMatchFileSnapshot('./expected/demo-initial.json');

    const ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: infra().moto,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const ids = demoIds(c, 'us-east-1');
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
      steps[step.says] = tallyDecisions(c.decisions.slice(before));
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

  it('answers the CLI verbs from the running cluster: tables for people, JSON for scripts, exit codes', async () => {
    const web = c.decisions.find((d) => d.change?.type === 'tag_drift')?.resource.id as string;
    expect(web).toMatch(/:ec2\.instance:i-/);
    // Time travel: the bastion is gone now, and there the revision before it went.
    const gone = c.decisions.find((d) => d.change?.type === 'disappeared') as Decision;
    const ids = async (...at: string[]) =>
      (
        JSON.parse(
          (await c.cli(['resources', '--type', 'ec2.instance', '--region', 'us-east-1', '--json', ...at])).out,
        ) as {
          id: string;
        }[]
      ).map((r) => r.id);
    expect(await ids()).toContain(web);
    expect(await ids()).not.toContain(gone.resource.id);
    expect(await ids('--at', String(gone.revision - 1))).toContain(gone.resource.id);
    const table = await c.cli(['resources', '--type', 'ec2.instance']);
    expect(table.out).toMatch(/^as of revision \d+/);
    expect(table.out).toMatch(/\nID +TYPE +REGION +NAME +TAGS\n/);

    const history = JSON.parse((await c.cli(['history', web, '--json'])).out) as {
      diff: { path: string; before?: string; after?: string }[];
    }[];
    const ownerChanges = history.flatMap((v) => v.diff).filter((d) => d.path === 'tags.elava:owner');
    expect(ownerChanges).toEqual([
      { path: 'tags.elava:owner', before: 'team-web', after: 'team-unknown' },
      { path: 'tags.elava:owner', before: 'team-unknown', after: 'team-web' },
    ]);
    const changes = JSON.parse((await c.cli(['changes', '--since', '0', '--type', 'tag_drift', '--json'])).out) as {
      resource_id: string;
    }[];
    expect(changes.filter((ch) => ch.resource_id === web)).toHaveLength(2);
    const critical = (await c.cli(['decisions', '--since', '0', '--severity', 'critical', '--json'])).out
      .split('\n')
      .filter(Boolean);
    expect(critical.length).toBe(c.decisions.filter((d) => d.severity === 'critical').length);

    const input = join(c.dir, 'bucket.json');
    writeFileSync(
      input,
      JSON.stringify({
        resource: {
          id: 'aws:123456789012:us-east-1:s3.bucket:b',
          type: 's3.bucket',
          native_id: 'b',
          tags: {},
          attributes: { acl_public: true },
        },
      }),
    );
    const evaluated = await c.cli(['policy', 'eval', input]);
    expect(evaluated.code).toBe(1);
    expect(evaluated.out).toMatch(/critical +elava\.security deny: bucket b is public/);

    const bad = await c.cli(['resources', '--at', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^elava: --at: /);
    expect((await c.cli(['history', 'i-123'])).err).toMatch(/expected a canonical id/);
    expect((await c.cli(['why', 'no-such-decision'])).err).toBe('elava: no decision no-such-decision is recorded');
  });
});
