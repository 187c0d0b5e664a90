import {
  AttachVolumeCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  DetachVolumeCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { seedRegion } from './estate.js';

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const tags = (ResourceType: string, t: Record<string, string>) =>
  [{ ResourceType, Tags: Object.entries(t).map(([Key, Value]) => ({ Key, Value })) }] as never;

/** The ids the churn driver changes, per region. */
export interface DemoRegion {
  region: string;
  web: string;
  bastion: string;
  sg: string;
  volume: string;
}

/**
 * The demo estate of one region: the seeded estate plus a blessed bastion, a volume attached to
 * the web server and an instance nobody tagged. Seeds only once: an estate already there is found.
 */
export async function demoRegion(endpoint: string, region: string): Promise<{ ids: DemoRegion; seeded: boolean }> {
  const ec2 = new EC2Client({ region, endpoint, credentials });
  try {
    const found = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:elava:demo', Values: ['true'] }] }));
    const seeded = !found.Vpcs?.length;
    if (seeded) {
      const s = await seedRegion(endpoint, region, { volumes: 2 });
      await ec2.send(new CreateTagsCommand({ Resources: [s.vpc], Tags: [{ Key: 'elava:demo', Value: 'true' }] }));
      const image = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [s.instance] }))).Reservations?.[0]
        ?.Instances?.[0]?.ImageId;
      const run = (name: string, t: Record<string, string>) =>
        ec2.send(
          new RunInstancesCommand({
            ImageId: image,
            InstanceType: 't3.micro',
            MinCount: 1,
            MaxCount: 1,
            SubnetId: s.subnet,
            TagSpecifications: tags('instance', { Name: name, ...t }),
          }),
        );
      await run('bastion', { 'elava:blessed': 'true', 'elava:owner': 'sre', environment: 'production' });
      await run('batch-1', {});
      const vol = await ec2.send(
        new CreateVolumeCommand({
          AvailabilityZone: `${region}a`,
          Size: 50,
          Encrypted: true,
          TagSpecifications: tags('volume', { Name: 'web-data', 'elava:owner': 'team-web', environment: 'production' }),
        }),
      );
      await ec2.send(new AttachVolumeCommand({ VolumeId: vol.VolumeId, InstanceId: s.instance, Device: '/dev/sdf' }));
    }
    return { ids: await locate(ec2, region), seeded };
  } finally {
    ec2.destroy();
  }
}

async function locate(ec2: EC2Client, region: string): Promise<DemoRegion> {
  const byName = async (name: string) =>
    (
      await ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'tag:Name', Values: [name] },
            { Name: 'instance-state-name', Values: ['pending', 'running', 'stopped'] },
          ],
        }),
      )
    ).Reservations?.flatMap((r) => r.Instances ?? [])[0]?.InstanceId ?? '';
  const sg = (
    await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['ssh-open'] }] }))
  ).SecurityGroups?.[0]?.GroupId;
  const volume = (await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag:Name', Values: ['web-data'] }] })))
    .Volumes?.[0]?.VolumeId;
  return { region, web: await byName('web-1'), bastion: await byName('bastion'), sg: sg ?? '', volume: volume ?? '' };
}

/** One step of the churn: what it does, for the log, and the change it makes. */
export interface ChurnStep {
  says: string;
  run(ec2: EC2Client, r: DemoRegion): Promise<void>;
  /** Steps that happen once (the blessed bastion goes once). */
  once?: boolean;
}

const rdp = [{ IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];

/** Tags edited, an SG opened, a volume detached, a blessed instance terminated once, and back. */
export const CHURN: ChurnStep[] = [
  {
    says: 'someone changes the owner tag of web-1',
    run: (ec2, r) =>
      ec2
        .send(new CreateTagsCommand({ Resources: [r.web], Tags: [{ Key: 'elava:owner', Value: 'team-unknown' }] }))
        .then(() => {}),
  },
  {
    says: 'someone opens RDP (3389) to the world on ssh-open',
    run: (ec2, r) =>
      ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: r.sg, IpPermissions: rdp })).then(() => {}),
  },
  {
    says: 'someone detaches web-data from web-1',
    run: (ec2, r) =>
      ec2.send(new DetachVolumeCommand({ VolumeId: r.volume, InstanceId: r.web, Device: '/dev/sdf' })).then(() => {}),
  },
  {
    says: 'someone terminates the blessed bastion',
    once: true,
    run: (ec2, r) =>
      r.bastion
        ? ec2.send(new TerminateInstancesCommand({ InstanceIds: [r.bastion] })).then(() => {})
        : Promise.resolve(),
  },
  {
    says: 'the owner tag of web-1 is put back',
    run: (ec2, r) =>
      ec2
        .send(new CreateTagsCommand({ Resources: [r.web], Tags: [{ Key: 'elava:owner', Value: 'team-web' }] }))
        .then(() => {}),
  },
  {
    says: 'RDP is closed again',
    run: (ec2, r) =>
      ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: r.sg, IpPermissions: rdp })).then(() => {}),
  },
  {
    says: 'web-data is attached again',
    run: (ec2, r) =>
      ec2.send(new AttachVolumeCommand({ VolumeId: r.volume, InstanceId: r.web, Device: '/dev/sdf' })).then(() => {}),
  },
];

/**
 * Runs the churn: one step every `everyMs`, rotating through the regions, each step once per
 * region per cycle (and `once` steps only the first time). Returns the stop function.
 */
export function startChurn(
  endpoint: string,
  regions: DemoRegion[],
  everyMs: number,
  say: (text: string, region: string) => void,
): () => void {
  const clients = new Map(regions.map((r) => [r.region, new EC2Client({ region: r.region, endpoint, credentials })]));
  const done = new Set<string>();
  let tick = 0;
  const timer = setInterval(() => {
    const r = regions[tick % regions.length] as DemoRegion;
    const steps = CHURN.filter((s) => !(s.once && done.has(`${r.region}:${s.says}`)));
    const step = steps[Math.floor(tick / regions.length) % steps.length] as ChurnStep;
    tick++;
    if (step.once) done.add(`${r.region}:${step.says}`);
    step
      .run(clients.get(r.region) as EC2Client, r)
      .then(() => say(step.says, r.region))
      .catch((err: Error) => say(`${step.says}: failed (${err.message})`, r.region));
  }, everyMs);
  return () => {
    clearInterval(timer);
    for (const c of clients.values()) c.destroy();
  };
}
