import {
  AddTagsToResourceCommand,
  type CacheCluster,
  ListTagsForResourceCommand,
  paginateDescribeCacheClusters,
  RemoveTagsFromResourceCommand,
} from '@aws-sdk/client-elasticache';
import type { Resource, Tags } from '@elava/types';
import { base, compact, iso, required, sorted, tagsOf } from '../normalize.js';
import { isNotFound, type Provider, type ScanContext } from '../provider.js';
import { tagResourceWrites } from '../tag-writes.js';

/**
 * The cluster's configuration. Pending modifications are left out (they come and go within a
 * maintenance window; what they become is read once applied), as is when the auth token was last
 * changed (only whether there is one is recorded, never the token).
 */
export interface ElasticacheClusterAttributes {
  arn: string;
  engine: string;
  engine_version?: string;
  node_type: string;
  num_cache_nodes: number;
  status: string;
  replication_group_id?: string;
  subnet_group?: string;
  parameter_group?: string;
  security_group_ids: string[];
  at_rest_encryption: boolean;
  transit_encryption: boolean;
  transit_encryption_mode?: string;
  auth_token_enabled: boolean;
  snapshot_retention_days?: number;
  preferred_availability_zone?: string;
  preferred_maintenance_window?: string;
  auto_minor_version_upgrade?: boolean;
  network_type?: string;
  ip_discovery?: string;
  configuration_endpoint?: string;
  notification_topic_arn?: string;
}

async function tagsOfCluster(ctx: ScanContext, arn: string): Promise<Tags> {
  const res = await ctx.clients.client('elasticache').send(new ListTagsForResourceCommand({ ResourceName: arn }));
  return tagsOf(res.TagList);
}

async function normalise(ctx: ScanContext, c: CacheCluster): Promise<Resource<'elasticache.cluster'> | undefined> {
  const id = required(c.CacheClusterId, 'CacheCluster.CacheClusterId');
  const arn = required(c.ARN, `${id} ARN`);
  let tags: Tags;
  try {
    tags = await tagsOfCluster(ctx, arn);
  } catch (err) {
    if (isNotFound(err)) return undefined; // deleted since it was listed
    throw err;
  }
  const status = c.CacheClusterStatus ?? 'unknown';
  const endpoint = c.ConfigurationEndpoint;
  const attributes: ElasticacheClusterAttributes = {
    arn,
    engine: required(c.Engine, `${id} Engine`),
    engine_version: c.EngineVersion,
    node_type: required(c.CacheNodeType, `${id} CacheNodeType`),
    num_cache_nodes: c.NumCacheNodes ?? 0,
    status,
    replication_group_id: c.ReplicationGroupId,
    subnet_group: c.CacheSubnetGroupName,
    parameter_group: c.CacheParameterGroup?.CacheParameterGroupName,
    security_group_ids: sorted(c.SecurityGroups?.map((g) => g.SecurityGroupId)),
    at_rest_encryption: c.AtRestEncryptionEnabled === true,
    transit_encryption: c.TransitEncryptionEnabled === true,
    transit_encryption_mode: c.TransitEncryptionMode,
    auth_token_enabled: c.AuthTokenEnabled === true,
    snapshot_retention_days: c.SnapshotRetentionLimit,
    preferred_availability_zone: c.PreferredAvailabilityZone,
    preferred_maintenance_window: c.PreferredMaintenanceWindow,
    auto_minor_version_upgrade: c.AutoMinorVersionUpgrade,
    network_type: c.NetworkType,
    ip_discovery: c.IpDiscovery,
    configuration_endpoint: endpoint?.Address ? `${endpoint.Address}:${endpoint.Port ?? ''}` : undefined,
    notification_topic_arn: c.NotificationConfiguration?.TopicArn,
  };
  // The native id is the cache cluster id: unique in the account's region, and what the API takes.
  return {
    ...base(ctx, 'elasticache.cluster', id, tags, id),
    status,
    created_at: iso(c.CacheClusterCreateTime),
    attributes: compact({ ...attributes }),
  };
}

export const elasticacheCluster: Provider<'elasticache.cluster'> = {
  type: 'elasticache.cluster',
  service: 'elasticache',
  cfnType: 'AWS::ElastiCache::CacheCluster',
  tagWrites: tagResourceWrites(
    'elasticache',
    {
      tag: ['AddTagsToResource', AddTagsToResourceCommand],
      untag: ['RemoveTagsFromResource', RemoveTagsFromResourceCommand],
    },
    { arn: 'ResourceName', tags: 'Tags', keys: 'TagKeys' },
    'list',
  ),
  operations: ['DescribeCacheClusters', 'ListTagsForResource'],
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    const client = ctx.clients.client('elasticache');
    // Asked by id, one call each: the API takes one cluster id, and fails on one that does not exist.
    const queries = ids ? ids.map((CacheClusterId) => ({ CacheClusterId })) : [{}];
    for (const input of queries) {
      try {
        for await (const page of paginateDescribeCacheClusters({ client, pageSize: ctx.pageSize }, input)) {
          const out: Resource<'elasticache.cluster'>[] = [];
          for (const c of page.CacheClusters ?? []) {
            const r = await normalise(ctx, c);
            if (r) out.push(r);
          }
          yield out;
        }
      } catch (err) {
        if (!ids || !isNotFound(err)) throw err;
      }
    }
  },
};
