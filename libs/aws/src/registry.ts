import type { ResourceType } from '@elava/types';
import type { Provider } from './provider.js';
import { ec2Eip } from './providers/ec2-eip.js';
import { ec2Instance } from './providers/ec2-instance.js';
import { ec2InternetGateway } from './providers/ec2-internet-gateway.js';
import { ec2NatGateway } from './providers/ec2-nat-gateway.js';
import { ec2NetworkInterface } from './providers/ec2-network-interface.js';
import { ec2RouteTable } from './providers/ec2-route-table.js';
import { ec2SecurityGroup } from './providers/ec2-security-group.js';
import { ec2Snapshot } from './providers/ec2-snapshot.js';
import { ec2Subnet } from './providers/ec2-subnet.js';
import { ec2Volume } from './providers/ec2-volume.js';
import { ec2Vpc } from './providers/ec2-vpc.js';
import { rdsCluster } from './providers/rds-cluster.js';
import { rdsInstance } from './providers/rds-instance.js';
import { rdsSnapshot } from './providers/rds-snapshot.js';
import { s3Bucket } from './providers/s3-bucket.js';

/** Every reader, by resource type: the one table the scanner dispatches on. */
export const PROVIDERS: { [T in ResourceType]: Provider<T> } = {
  'ec2.instance': ec2Instance,
  'ec2.vpc': ec2Vpc,
  'ec2.subnet': ec2Subnet,
  'ec2.route_table': ec2RouteTable,
  'ec2.internet_gateway': ec2InternetGateway,
  'ec2.nat_gateway': ec2NatGateway,
  'ec2.security_group': ec2SecurityGroup,
  'ec2.volume': ec2Volume,
  'ec2.snapshot': ec2Snapshot,
  'ec2.eip': ec2Eip,
  'ec2.network_interface': ec2NetworkInterface,
  'rds.instance': rdsInstance,
  'rds.cluster': rdsCluster,
  'rds.snapshot': rdsSnapshot,
  's3.bucket': s3Bucket,
};

export function providerFor<T extends ResourceType>(type: T): Provider<T> {
  return PROVIDERS[type] as Provider<T>;
}

/** Every AWS operation Elava's readers may call, as IAM action names. */
export function readActions(): string[] {
  const actions = new Set<string>(['sts:GetCallerIdentity']);
  for (const p of Object.values(PROVIDERS)) for (const op of p.operations) actions.add(`${p.service}:${op}`);
  return [...actions].sort();
}
