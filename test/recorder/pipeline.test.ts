import {
  AuthorizeSecurityGroupIngressCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DeleteVolumeCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { createQueue, QUEUES } from '@elava/bus';
import type { PublishedChange } from '@elava/detector';
import { StoreReader } from '@elava/query';
import type { ScanJob } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { infra, unique } from '../support/infra.js';
import { startRecording } from '../support/pipeline.js';
import { testScanner } from '../support/scanner.js';
import { resetMoto, seedRegion } from '../support/seed.js';
import { useStage, watchStream } from '../support/stage.js';

const ACCOUNT = '123456789012';
const TYPES = ['ec2.instance', 'ec2.security_group', 'ec2.volume'] as const;

describe('scanner → recorder → detector on moto', () => {
  let seeded: Awaited<ReturnType<typeof seedRegion>>;
  const stage = useStage(async () => {
    await resetMoto(infra().moto);
    seeded = await seedRegion(infra().moto, 'us-east-1', { volumes: 1 });
  });

  it('announces exactly the changes made between two scans, blessed disappearance at once, the other after grace', async () => {
    const ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: infra().moto,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    stage.defer(async () => ec2.destroy());
    const blessed = (
      await ec2.send(
        new CreateVolumeCommand({
          AvailabilityZone: 'us-east-1a',
          Size: 5,
          TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'elava:blessed', Value: 'true' }] }],
        }),
      )
    ).VolumeId!;
    const plain = seeded.volumes[0]!;

    const w = await startRecording(stage, 'pipe', {
      settings: {
        alertOn: {
          appeared: 'info',
          disappeared: 'warning',
          modified: 'info',
          tag_drift: 'warning',
          status_changed: 'info',
          cost_increase: 'warning',
        },
        graceMs: 1_500,
      },
    });
    stage.defer(() => w.close());
    const { store, conns, prefix } = w;
    testScanner(prefix, stage.defer);

    const ours = new Set([seeded.instance, seeded.sg, plain, blessed]);
    const changes = await watchStream<PublishedChange>(stage, 'ELAVA_CHANGES', (c) =>
      ours.has(c.resource_id.split(':')[4] ?? ''),
    );
    const queue = createQueue<ScanJob>(QUEUES.scan, { connection: conns[0]!, prefix });
    stage.defer(() => queue.close());
    const scanAll = async (round: string) => {
      const ids = TYPES.map((type) => `${round}-${type.replace('.', '-')}-${unique('s')}`);
      for (const [i, type] of TYPES.entries())
        await queue.add('scan', {
          scan_id: ids[i]!,
          scope: { account: ACCOUNT, region: 'us-east-1', type },
          requested_by: 'cli',
        });
      const deadline = Date.now() + 30_000;
      while (
        store
          .audit()
          .filter((e) => e.type === 'scan_completed' && ids.includes((e.data as { scan_id: string }).scan_id)).length <
        ids.length
      ) {
        if (Date.now() > deadline) throw new Error(`scans of ${round} not recorded`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const waitFor = async (check: () => boolean, ms = 15_000) => {
      const deadline = Date.now() + ms;
      while (!check()) {
        if (Date.now() > deadline)
          throw new Error(
            `timed out; changes: ${changes.map((c) => `${c.type}:${c.resource_id.split(':')[4]}`).join(', ')}`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    await scanAll('first');
    await waitFor(() => changes.filter((c) => c.type === 'appeared').length === 4);
    changes.length = 0;
    const afterFirst = store.revision;

    await ec2.send(
      new CreateTagsCommand({ Resources: [seeded.instance], Tags: [{ Key: 'environment', Value: 'staging' }] }),
    );
    await ec2.send(new StopInstancesCommand({ InstanceIds: [seeded.instance] }));
    await ec2.send(
      new ModifyInstanceAttributeCommand({ InstanceId: seeded.instance, InstanceType: { Value: 't3.large' } }),
    );
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: seeded.sg,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.1.0.0/16' }] }],
      }),
    );
    await ec2.send(new DeleteVolumeCommand({ VolumeId: blessed }));
    await ec2.send(new DeleteVolumeCommand({ VolumeId: plain }));
    const deleted = Date.now();
    await scanAll('second');

    // Everything but the plain volume's disappearance arrives now; that one waits out the grace period.
    await waitFor(() => changes.length >= 6);
    const now = changes.map((c) => `${c.type}:${c.resource_id.split(':')[4]}`).sort();
    expect(now).toEqual(
      [
        `cost_increase:${seeded.instance}`,
        `disappeared:${blessed}`,
        `modified:${seeded.instance}`,
        `modified:${seeded.sg}`,
        `status_changed:${seeded.instance}`,
        `tag_drift:${seeded.instance}`,
      ].sort(),
    );
    expect(changes.find((c) => c.type === 'disappeared')?.severity).toBe('critical');
    expect(changes.find((c) => c.type === 'tag_drift')?.diff).toEqual([
      { path: 'tags.environment', before: 'production', after: 'staging' },
    ]);
    expect(changes.find((c) => c.type === 'modified' && c.resource_id.endsWith(seeded.sg))?.diff).toEqual([
      {
        path: 'attributes.rules[{"direction":"ingress","from_port":5432,"protocol":"tcp","source":"10.1.0.0/16","to_port":5432}]',
        after: { direction: 'ingress', from_port: 5432, protocol: 'tcp', source: '10.1.0.0/16', to_port: 5432 },
      },
    ]);
    await waitFor(() => changes.some((c) => c.type === 'disappeared' && c.resource_id.endsWith(plain)));
    expect(Date.now() - deleted).toBeGreaterThanOrEqual(1_500);
    expect(
      changes
        .filter((c) => c.type === 'disappeared')
        .map((c) => c.severity)
        .sort(),
    ).toEqual(['critical', 'warning']);

    // A third scan with nothing changed announces nothing, and nothing was announced twice.
    const before = changes.length;
    await scanAll('third');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(changes.length).toBe(before);
    expect(new Set(changes.map((c) => c.id)).size).toBe(changes.length);
    // The trail holds every announced change with its diff, and the query API lists them from it.
    await waitFor(() => store.audit({ types: ['changes_detected'] }).length > 0);
    const listed = JSON.parse(new StoreReader(store).answer('changes', { since: String(afterFirst), limit: '1000' }))
      .items as PublishedChange[];
    expect(listed.map((c) => c.id).sort()).toEqual(changes.map((c) => c.id).sort());
    expect(listed.find((c) => c.type === 'tag_drift')?.diff).toEqual(changes.find((c) => c.type === 'tag_drift')?.diff);
    expect(store.verifyAudit().ok).toBe(true);
    // Each announced change went on to policy evaluation once, with its revision's others.
    const requests = await w.detector()!.policy.getJobs(['waiting', 'active', 'completed', 'delayed']);
    const evaluated = requests.flatMap((j) => (j.data.kind === 'scope' ? [] : j.data.changes.map((c) => c.id)));
    expect(evaluated.filter((id) => changes.some((c) => c.id === id)).sort()).toEqual(changes.map((c) => c.id).sort());
  });
});
