import {
  type CapacityProviderStrategyItem,
  type Cluster,
  DescribeClustersCommand,
  paginateListClusters,
  type Tag,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-ecs';
import type { Resource } from '@elava/types';
import { base, byKey, compact, required, sorted, tagsOf } from '../normalize.js';
import type { Provider, ScanContext } from '../provider.js';
import { tagResourceWrites } from '../tag-writes.js';

/** ECS spells tags `{key, value}`. */
export const ecsTags = (tags: Tag[] | undefined) => tagsOf(tags?.map((t) => ({ Key: t.key, Value: t.value })));

/** Clusters and services alike: tagged by ARN. */
export const ECS_TAG_WRITES = tagResourceWrites(
  'ecs',
  { tag: ['TagResource', TagResourceCommand], untag: ['UntagResource', UntagResourceCommand] },
  { arn: 'resourceArn', tags: 'tags', keys: 'tagKeys' },
  (tags) => Object.entries(tags).map(([key, value]) => ({ key, value })),
);

export interface EcsCapacityProviderStrategy {
  capacity_provider: string;
  weight?: number;
  base?: number;
}

export const strategy = (items: CapacityProviderStrategyItem[] | undefined): EcsCapacityProviderStrategy[] =>
  byKey(
    (items ?? []).map((s) =>
      compact({
        capacity_provider: required(s.capacityProvider, 'CapacityProviderStrategyItem.capacityProvider'),
        weight: s.weight,
        base: s.base,
      }),
    ),
    (s) => s.capacity_provider,
  );

/**
 * The cluster's configuration. Its counters (running and pending tasks, active services,
 * registered container instances) are left out: they move with every task.
 */
export interface EcsClusterAttributes {
  arn: string;
  status: string;
  settings: { name: string; value?: string }[];
  capacity_providers: string[];
  default_capacity_provider_strategy: EcsCapacityProviderStrategy[];
  execute_command?: { logging?: string; kms_key_id?: string; log_group?: string; log_bucket?: string };
  managed_storage_kms_key_id?: string;
  service_connect_namespace?: string;
}

/** DescribeClusters takes at most 100 clusters a call. */
const BATCH = 100;

/**
 * A deleted cluster stays INACTIVE, and is still described, for a while: it is gone, and is left
 * out like any other missing one (DescribeClusters reports those as failures, not errors).
 */
async function describe(ctx: ScanContext, clusters: string[]): Promise<Cluster[]> {
  const out: Cluster[] = [];
  for (let i = 0; i < clusters.length; i += BATCH) {
    const res = await ctx.clients.client('ecs').send(
      new DescribeClustersCommand({
        clusters: clusters.slice(i, i + BATCH),
        include: ['TAGS', 'SETTINGS', 'CONFIGURATIONS'],
      }),
    );
    out.push(...(res.clusters ?? []).filter((c) => c.status !== 'INACTIVE'));
  }
  return out;
}

function normalise(ctx: ScanContext, c: Cluster): Resource<'ecs.cluster'> {
  const name = required(c.clusterName, 'Cluster.clusterName');
  const exec = c.configuration?.executeCommandConfiguration;
  const attributes: EcsClusterAttributes = {
    arn: required(c.clusterArn, `${name} clusterArn`),
    status: c.status ?? 'unknown',
    settings: byKey(
      (c.settings ?? []).map((s) => compact({ name: required(s.name, `${name} setting name`), value: s.value })),
      (s) => s.name,
    ),
    capacity_providers: sorted(c.capacityProviders),
    default_capacity_provider_strategy: strategy(c.defaultCapacityProviderStrategy),
    execute_command: exec
      ? compact({
          logging: exec.logging,
          kms_key_id: exec.kmsKeyId,
          log_group: exec.logConfiguration?.cloudWatchLogGroupName,
          log_bucket: exec.logConfiguration?.s3BucketName,
        })
      : undefined,
    managed_storage_kms_key_id: c.configuration?.managedStorageConfiguration?.kmsKeyId,
    service_connect_namespace: c.serviceConnectDefaults?.namespace,
  };
  // The native id is the cluster's name: unique in the account's region, and what ECS calls take.
  return {
    ...base(ctx, 'ecs.cluster', name, ecsTags(c.tags), name),
    status: (c.status ?? 'unknown').toLowerCase(),
    attributes: compact({ ...attributes }),
  };
}

export const ecsCluster: Provider<'ecs.cluster'> = {
  type: 'ecs.cluster',
  service: 'ecs',
  cfnType: 'AWS::ECS::Cluster',
  tagWrites: ECS_TAG_WRITES,
  listKeys: {
    'attributes.settings': 'name',
    'attributes.default_capacity_provider_strategy': 'capacity_provider',
  },
  operations: ['ListClusters', 'DescribeClusters'],
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    if (ids) {
      yield (await describe(ctx, [...ids])).map((c) => normalise(ctx, c));
      return;
    }
    for await (const page of paginateListClusters({ client: ctx.clients.client('ecs'), pageSize: ctx.pageSize }, {})) {
      const arns = page.clusterArns ?? [];
      yield arns.length ? (await describe(ctx, arns)).map((c) => normalise(ctx, c)) : [];
    }
  },
};
