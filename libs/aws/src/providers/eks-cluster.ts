import {
  type Cluster,
  DescribeClusterCommand,
  paginateListClusters,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-eks';
import type { Resource } from '@elava/types';
import { base, compact, iso, required, sorted, tagsOf } from '../normalize.js';
import { isNotFound, type Provider, type ScanContext } from '../provider.js';
import { tagResourceWrites } from '../tag-writes.js';

/**
 * The control plane's configuration. The certificate authority's data is left out (bulky, and it
 * rotates without a configuration change), as is `health` (issues come and go).
 */
export interface EksClusterAttributes {
  arn: string;
  version?: string;
  platform_version?: string;
  status: string;
  role_arn?: string;
  endpoint?: string;
  vpc_id?: string;
  subnet_ids: string[];
  security_group_ids: string[];
  cluster_security_group_id?: string;
  endpoint_public_access: boolean;
  endpoint_private_access: boolean;
  /** The CIDRs allowed to reach a public endpoint; `0.0.0.0/0` is the whole internet. */
  public_access_cidrs: string[];
  /** The control-plane log types sent to CloudWatch. */
  enabled_log_types: string[];
  /** KMS keys envelope-encrypting Kubernetes secrets. */
  secrets_encryption_key_arns: string[];
  authentication_mode?: string;
  oidc_issuer?: string;
  service_ipv4_cidr?: string;
  ip_family?: string;
  deletion_protection?: boolean;
  upgrade_support_type?: string;
}

function normalise(ctx: ScanContext, c: Cluster): Resource<'eks.cluster'> {
  const name = required(c.name, 'Cluster.name');
  const vpc = c.resourcesVpcConfig;
  const attributes: EksClusterAttributes = {
    arn: required(c.arn, `${name} arn`),
    version: c.version,
    platform_version: c.platformVersion,
    status: c.status ?? 'unknown',
    role_arn: c.roleArn,
    endpoint: c.endpoint,
    vpc_id: vpc?.vpcId,
    subnet_ids: sorted(vpc?.subnetIds),
    security_group_ids: sorted(vpc?.securityGroupIds),
    cluster_security_group_id: vpc?.clusterSecurityGroupId,
    endpoint_public_access: vpc?.endpointPublicAccess === true,
    endpoint_private_access: vpc?.endpointPrivateAccess === true,
    public_access_cidrs: sorted(vpc?.publicAccessCidrs),
    enabled_log_types: sorted(
      (c.logging?.clusterLogging ?? []).filter((l) => l.enabled === true).flatMap((l) => l.types ?? []),
    ),
    secrets_encryption_key_arns: sorted(
      (c.encryptionConfig ?? []).filter((e) => e.resources?.includes('secrets')).map((e) => e.provider?.keyArn),
    ),
    authentication_mode: c.accessConfig?.authenticationMode,
    oidc_issuer: c.identity?.oidc?.issuer,
    service_ipv4_cidr: c.kubernetesNetworkConfig?.serviceIpv4Cidr,
    ip_family: c.kubernetesNetworkConfig?.ipFamily,
    deletion_protection: c.deletionProtection,
    upgrade_support_type: c.upgradePolicy?.supportType,
  };
  // The native id is the cluster's name: unique in the account's region, and what EKS calls take.
  return {
    ...base(
      ctx,
      'eks.cluster',
      name,
      tagsOf(Object.entries(c.tags ?? {}).map(([Key, Value]) => ({ Key, Value }))),
      name,
    ),
    status: (c.status ?? 'unknown').toLowerCase(),
    created_at: iso(c.createdAt),
    attributes: compact({ ...attributes }),
  };
}

/** One cluster, or undefined when there is no such cluster (deleted since it was listed). */
async function describe(ctx: ScanContext, name: string): Promise<Cluster | undefined> {
  try {
    const res = await ctx.clients.client('eks').send(new DescribeClusterCommand({ name }));
    return res.cluster;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function read(ctx: ScanContext, names: readonly string[]): Promise<Resource<'eks.cluster'>[]> {
  const out: Resource<'eks.cluster'>[] = [];
  for (const name of names) {
    const c = await describe(ctx, name);
    if (c) out.push(normalise(ctx, c));
  }
  return out;
}

export const eksCluster: Provider<'eks.cluster'> = {
  type: 'eks.cluster',
  service: 'eks',
  cfnType: 'AWS::EKS::Cluster',
  tagWrites: tagResourceWrites(
    'eks',
    { tag: ['TagResource', TagResourceCommand], untag: ['UntagResource', UntagResourceCommand] },
    { arn: 'resourceArn', tags: 'tags', keys: 'tagKeys' },
    'map',
  ),
  operations: ['ListClusters', 'DescribeCluster'],
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    if (ids) {
      yield await read(ctx, ids);
      return;
    }
    for await (const page of paginateListClusters({ client: ctx.clients.client('eks'), pageSize: ctx.pageSize }, {})) {
      yield await read(ctx, page.clusters ?? []);
    }
  },
};
