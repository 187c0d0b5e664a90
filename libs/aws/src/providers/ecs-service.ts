import { DescribeServicesCommand, paginateListClusters, paginateListServices, type Service } from '@aws-sdk/client-ecs';
import type { Resource } from '@elava/types';
import { base, byKey, compact, iso, required, sorted } from '../normalize.js';
import { isNotFound, type Provider, type ScanContext } from '../provider.js';
import { ECS_TAG_WRITES, type EcsCapacityProviderStrategy, ecsTags, strategy } from './ecs-cluster.js';

export interface EcsServiceLoadBalancer {
  /** The target group's ARN, or a Classic Load Balancer's name: the list key. */
  target: string;
  container_name?: string;
  container_port?: number;
}

/**
 * What the service is asked to run and how. Running and pending counts, deployments and events are
 * left out: they move with every task start, stop and rollout, while `desired_count` and
 * `task_definition` are what was asked for.
 */
export interface EcsServiceAttributes {
  arn: string;
  cluster_arn: string;
  status: string;
  desired_count: number;
  launch_type?: string;
  capacity_provider_strategy: EcsCapacityProviderStrategy[];
  platform_version?: string;
  task_definition?: string;
  scheduling_strategy?: string;
  deployment_controller?: string;
  load_balancers: EcsServiceLoadBalancer[];
  service_registries: string[];
  network?: { subnet_ids: string[]; security_group_ids: string[]; assign_public_ip?: string };
  deployment?: {
    maximum_percent?: number;
    minimum_healthy_percent?: number;
    circuit_breaker?: { enable: boolean; rollback: boolean };
  };
  health_check_grace_period_seconds?: number;
  enable_execute_command?: boolean;
  propagate_tags?: string;
  role_arn?: string;
}

/** DescribeServices takes at most 10 services a call. */
const BATCH = 10;

const clusterName = (arnOrName: string) => arnOrName.slice(arnOrName.lastIndexOf('/') + 1);

/**
 * A deleted service stays INACTIVE, and is still described, for a while: it is gone, and is left
 * out like one that does not exist (DescribeServices reports those as failures, not errors).
 */
async function describe(ctx: ScanContext, cluster: string, services: string[]): Promise<Service[]> {
  const out: Service[] = [];
  for (let i = 0; i < services.length; i += BATCH) {
    const res = await ctx.clients
      .client('ecs')
      .send(new DescribeServicesCommand({ cluster, services: services.slice(i, i + BATCH), include: ['TAGS'] }));
    out.push(...(res.services ?? []).filter((s) => s.status !== 'INACTIVE'));
  }
  return out;
}

function normalise(ctx: ScanContext, s: Service): Resource<'ecs.service'> {
  const name = required(s.serviceName, 'Service.serviceName');
  const clusterArn = required(s.clusterArn, `${name} clusterArn`);
  // Service names are unique per cluster only: the native id is `<cluster name>/<service name>`,
  // the tail of the service's (long-format) ARN.
  const id = `${clusterName(clusterArn)}/${name}`;
  const vpc = s.networkConfiguration?.awsvpcConfiguration;
  const dc = s.deploymentConfiguration;
  const attributes: EcsServiceAttributes = {
    arn: required(s.serviceArn, `${id} serviceArn`),
    cluster_arn: clusterArn,
    status: s.status ?? 'unknown',
    desired_count: required(s.desiredCount, `${id} desiredCount`),
    launch_type: s.launchType,
    capacity_provider_strategy: strategy(s.capacityProviderStrategy),
    platform_version: s.platformVersion,
    task_definition: s.taskDefinition,
    scheduling_strategy: s.schedulingStrategy,
    deployment_controller: s.deploymentController?.type,
    load_balancers: byKey(
      (s.loadBalancers ?? []).map((lb) =>
        compact({
          target: required(lb.targetGroupArn ?? lb.loadBalancerName, `${id} load balancer target`),
          container_name: lb.containerName,
          container_port: lb.containerPort,
        }),
      ),
      (lb) => lb.target,
    ),
    service_registries: sorted(s.serviceRegistries?.map((r) => r.registryArn)),
    network: vpc
      ? compact({
          subnet_ids: sorted(vpc.subnets),
          security_group_ids: sorted(vpc.securityGroups),
          assign_public_ip: vpc.assignPublicIp,
        })
      : undefined,
    deployment: dc
      ? compact({
          maximum_percent: dc.maximumPercent,
          minimum_healthy_percent: dc.minimumHealthyPercent,
          circuit_breaker: dc.deploymentCircuitBreaker
            ? {
                enable: dc.deploymentCircuitBreaker.enable === true,
                rollback: dc.deploymentCircuitBreaker.rollback === true,
              }
            : undefined,
        })
      : undefined,
    health_check_grace_period_seconds: s.healthCheckGracePeriodSeconds,
    enable_execute_command: s.enableExecuteCommand,
    propagate_tags: s.propagateTags,
    role_arn: s.roleArn,
  };
  return {
    ...base(ctx, 'ecs.service', id, ecsTags(s.tags), name),
    status: (s.status ?? 'unknown').toLowerCase(),
    created_at: iso(s.createdAt),
    attributes: compact({ ...attributes }),
  };
}

/** The services asked for by native id, cluster by cluster; a cluster that is gone has none. */
async function byIds(ctx: ScanContext, ids: readonly string[]): Promise<Service[]> {
  const byCluster = new Map<string, string[]>();
  for (const id of ids) {
    const at = id.indexOf('/');
    if (at <= 0) continue; // not `<cluster>/<service>`: no such service
    const list = byCluster.get(id.slice(0, at)) ?? [];
    list.push(id.slice(at + 1));
    byCluster.set(id.slice(0, at), list);
  }
  const out: Service[] = [];
  for (const [cluster, names] of byCluster) {
    try {
      out.push(...(await describe(ctx, cluster, names)));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return out;
}

export const ecsService: Provider<'ecs.service'> = {
  type: 'ecs.service',
  service: 'ecs',
  cfnType: 'AWS::ECS::Service',
  tagWrites: ECS_TAG_WRITES,
  listKeys: {
    'attributes.load_balancers': 'target',
    'attributes.capacity_provider_strategy': 'capacity_provider',
  },
  operations: ['ListClusters', 'ListServices', 'DescribeServices'],
  serverSideTagFilter: false,
  // Services are listed cluster by cluster: ListServices has no account-wide listing.
  async *pages(ctx, _filter, ids) {
    if (ids) {
      yield (await byIds(ctx, ids)).map((s) => normalise(ctx, s));
      return;
    }
    const client = ctx.clients.client('ecs');
    for await (const clusters of paginateListClusters({ client, pageSize: ctx.pageSize }, {})) {
      for (const cluster of clusters.clusterArns ?? []) {
        try {
          for await (const page of paginateListServices({ client, pageSize: ctx.pageSize }, { cluster })) {
            const arns = page.serviceArns ?? [];
            yield arns.length ? (await describe(ctx, cluster, arns)).map((s) => normalise(ctx, s)) : [];
          }
        } catch (err) {
          // A cluster deleted since it was listed has no services left to read.
          if (!isNotFound(err)) throw err;
        }
      }
    }
  },
};
