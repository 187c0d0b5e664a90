import { CreateVpcCommand } from '@aws-sdk/client-ec2';
import { ClientSet, WriteRefusedError } from '@elava/aws';
import { SEEDED_BY_REGION } from '@elava/demo';
import { type AnyResource, parseResourceId, type ResourceType } from '@elava/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { infra } from '../support/infra.js';
import { findNative, scanType } from '../support/readers.js';
import { resetMoto, seedDbInstances, seedRegion } from '../support/seed.js';

const ACCOUNT = '123456789012';
/** The types `seedRegion` makes; each newer type has its own file beside this one. */
const SEEDED: readonly ResourceType[] = SEEDED_BY_REGION;
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
type Seeded = Awaited<ReturnType<typeof seedRegion>>;

async function scan(type: ResourceType, region: string, pageSize?: number) {
  const { pages, all, stats } = await scanType(type, region, { pageSize });
  return { pages: pages as AnyResource[][], all: all as AnyResource[], stats };
}

const find = (rs: AnyResource[], native: string) => findNative(rs, native) as AnyResource;

describe('AWS readers against moto', () => {
  const seeded: Record<string, Seeded> = {};
  beforeAll(async () => {
    await resetMoto(infra().moto);
    for (const region of REGIONS)
      seeded[region] = await seedRegion(infra().moto, region, { volumes: region === 'us-east-1' ? 12 : 2 });
  });

  it("reads every type in both regions with canonical ids, never another region's resources", async () => {
    for (const region of REGIONS) {
      for (const type of SEEDED) {
        const { all } = await scan(type, region);
        expect(all.length, `${type} in ${region}`).toBeGreaterThan(0);
        for (const r of all) {
          expect(parseResourceId(r.id)).toEqual({
            provider: 'aws',
            account: ACCOUNT,
            region,
            type,
            nativeId: r.native_id,
          });
          expect(r.type).toBe(type);
          expect(typeof r.tags).toBe('object');
        }
      }
    }
  });

  it('normalises EC2 compute and network resources, all tags kept', async () => {
    const s = seeded['us-east-1']!;
    const inst = find((await scan('ec2.instance', 'us-east-1')).all, s.instance);
    expect(inst).toMatchObject({
      name: 'web-1',
      status: 'running',
      tags: { Name: 'web-1', 'elava:owner': 'team-web', environment: 'production' },
      attributes: { instance_type: 't3.micro', state: 'running', subnet_id: s.subnet, security_group_ids: [s.sg] },
    });
    expect(inst.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);

    const vpcs = (await scan('ec2.vpc', 'us-east-1')).all;
    expect(find(vpcs, s.vpc)).toMatchObject({
      name: 'app',
      attributes: { cidr_block: '10.10.0.0/16', is_default: false },
    });
    expect(vpcs.filter((v) => (v.attributes as { is_default: boolean }).is_default)).toHaveLength(1);
    const defaultSubnets = (await scan('ec2.subnet', 'us-east-1')).all.filter(
      (x) => (x.attributes as { default_for_az: boolean }).default_for_az,
    );
    expect(defaultSubnets.length).toBeGreaterThanOrEqual(3);

    expect(find((await scan('ec2.internet_gateway', 'us-east-1')).all, s.igw)).toMatchObject({
      status: 'attached',
      attributes: { attached_vpc_ids: [s.vpc] },
    });
    expect(find((await scan('ec2.route_table', 'us-east-1')).all, s.routeTable)).toMatchObject({
      attributes: { vpc_id: s.vpc, routes: [{ destination: '10.10.0.0/16', target: 'local' }] },
    });
    expect(find((await scan('ec2.nat_gateway', 'us-east-1')).all, s.nat)).toMatchObject({
      attributes: { vpc_id: s.vpc, subnet_id: s.subnet },
    });
    expect(find((await scan('ec2.network_interface', 'us-east-1')).all, s.eni)).toMatchObject({
      attributes: { subnet_id: s.subnet, security_group_ids: [s.sg] },
    });

    const eips = (await scan('ec2.eip', 'us-east-1')).all;
    expect(find(eips, s.eip)).toMatchObject({ status: 'associated', attributes: { instance_id: s.instance } });
    expect(find(eips, s.spareEip)).toMatchObject({ status: 'unassociated' });
  });

  it('flattens and sorts security group rules so order never matters', async () => {
    const sg = find((await scan('ec2.security_group', 'us-east-1')).all, seeded['us-east-1']!.sg);
    const ingress = (sg.attributes as { rules: { direction: string }[] }).rules.filter(
      (r) => r.direction === 'ingress',
    );
    expect(ingress).toEqual([
      { direction: 'ingress', protocol: 'tcp', from_port: 22, to_port: 22, source: '0.0.0.0/0' },
      { direction: 'ingress', protocol: 'tcp', from_port: 443, to_port: 443, source: '0.0.0.0/0', description: 'web' },
      { direction: 'ingress', protocol: 'tcp', from_port: 443, to_port: 443, source: '10.0.0.0/8' },
    ]);
  });

  it('pages through more DB instances than one page holds', async () => {
    const ids = await seedDbInstances(infra().moto, 'us-west-2', 25);
    const { pages, all, stats } = await scan('rds.instance', 'us-west-2', 20);
    expect(pages.map((p) => p.length)).toEqual([20, 5]);
    expect(all.map((r) => r.native_id).sort()).toEqual(ids);
    expect(stats.operations.get('DescribeDBInstances')).toBe(2);
  });

  it('reads every volume, and own snapshots only', async () => {
    const s = seeded['us-east-1']!;
    const { all } = await scan('ec2.volume', 'us-east-1', 5);
    expect(all.filter((v) => s.volumes.includes(v.native_id))).toHaveLength(12);
    expect(find(all, s.volumes[0]!)).toMatchObject({
      attributes: { size_gib: 8, encrypted: false, volume_type: 'gp3' },
    });
    expect(find(all, s.volumes[1]!)).toMatchObject({ attributes: { encrypted: true } });
    const snaps = (await scan('ec2.snapshot', 'us-east-1')).all;
    expect(find(snaps, s.snapshot)).toMatchObject({ attributes: { volume_id: s.volumes[0], description: 'nightly' } });
  });

  it('reads RDS instances, clusters and snapshots with their tags', async () => {
    const s = seeded['eu-west-1']!;
    expect(find((await scan('rds.instance', 'eu-west-1')).all, s.db)).toMatchObject({
      tags: { 'elava:blessed': 'true', environment: 'production' },
      attributes: {
        engine: 'postgres',
        instance_class: 'db.t3.medium',
        storage_encrypted: false,
        publicly_accessible: true,
        allocated_storage_gib: 20,
      },
    });
    expect(find((await scan('rds.cluster', 'eu-west-1')).all, s.cluster)).toMatchObject({
      tags: { team: 'finance' },
      attributes: { engine: 'aurora-postgresql', storage_encrypted: true },
    });
    expect(find((await scan('rds.snapshot', 'eu-west-1')).all, s.dbSnapshot)).toMatchObject({
      attributes: { source_id: s.db, kind: 'instance' },
    });
  });

  it('reads buckets in their own region, with "not configured" as values', async () => {
    const east = (await scan('s3.bucket', 'us-east-1')).all;
    const west = (await scan('s3.bucket', 'eu-west-1')).all;
    expect(east.map((b) => b.native_id).sort()).toEqual(['elava-us-east-1-logs', 'elava-us-east-1-open']);
    expect(west.map((b) => b.native_id).sort()).toEqual(['elava-eu-west-1-logs', 'elava-eu-west-1-open']);
    expect(find(west, 'elava-eu-west-1-logs')).toMatchObject({
      tags: { 'elava:owner': 'sre' },
      attributes: {
        encryption: { enabled: true, algorithm: 'AES256' },
        versioning: 'Enabled',
        public_access_block: { configured: true, block_public_acls: true },
        acl_public: false,
      },
    });
    expect(find(west, 'elava-eu-west-1-open')).toMatchObject({
      tags: {},
      attributes: {
        versioning: 'Disabled',
        public_access_block: { configured: false },
        policy: { present: false },
        acl_public: true,
      },
    });
  });
});

describe('read-only by construction', () => {
  it("refuses a write through the scanner's own clients before it is sent", async () => {
    const clients = new ClientSet({ region: 'us-east-1', endpoint: infra().moto });
    await expect(clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.99.0.0/16' }))).rejects.toThrow(
      WriteRefusedError,
    );
    expect(clients.stats.calls).toBe(0);
    clients.destroy();
  });
});
