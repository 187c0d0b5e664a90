import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  paginateDescribeTargetGroups,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Resource } from '@elava/types';
import { base, byKey, compact, required, sorted } from '../normalize.js';
import type { Provider, ScanContext } from '../provider.js';
import { byIds, ELBV2_TAG_WRITES, elbv2Arn, elbv2NativeId, elbv2Tags, unlessGone } from './elbv2-shared.js';

/**
 * A registered target. Its health is left out on purpose: it flaps with every deployment and
 * health check, and would make a new version of the group on almost every scan; what is registered
 * (and on which port) is the configuration.
 */
export interface Elbv2Target {
  /** `<target id>:<port>`, or the target id alone where there is no port (Lambda): the list key. */
  id: string;
  target_id: string;
  port?: number;
  availability_zone?: string;
}

export interface Elbv2TargetGroupAttributes {
  arn: string;
  protocol?: string;
  protocol_version?: string;
  port?: number;
  vpc_id?: string;
  /** instance, ip, lambda or alb. */
  target_type?: string;
  ip_address_type?: string;
  load_balancer_arns: string[];
  health_check: {
    enabled?: boolean;
    protocol?: string;
    port?: string;
    path?: string;
    interval_seconds?: number;
    timeout_seconds?: number;
    healthy_threshold?: number;
    unhealthy_threshold?: number;
    matcher?: string;
  };
  targets: Elbv2Target[];
}

async function targets(ctx: ScanContext, arn: string): Promise<Elbv2Target[]> {
  const res = await ctx.clients
    .client('elasticloadbalancing')
    .send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
  const list = (res.TargetHealthDescriptions ?? []).map((d) => {
    const targetId = required(d.Target?.Id, `${arn} Target.Id`);
    const port = d.Target?.Port;
    return compact({
      id: port === undefined ? targetId : `${targetId}:${port}`,
      target_id: targetId,
      port,
      availability_zone: d.Target?.AvailabilityZone,
    });
  });
  return byKey(list, (t) => t.id);
}

async function normalise(ctx: ScanContext, groups: TargetGroup[]): Promise<Resource<'elbv2.target_group'>[]> {
  const arns = groups.map((g) => required(g.TargetGroupArn, 'TargetGroup.TargetGroupArn'));
  const tags = await elbv2Tags(ctx, arns);
  const out: Resource<'elbv2.target_group'>[] = [];
  for (const g of groups) {
    const arn = g.TargetGroupArn as string;
    const t = tags.get(arn);
    const registered = t && (await unlessGone(targets(ctx, arn)));
    if (!t || !registered) continue; // deleted since it was listed
    const id = elbv2NativeId(arn, 'targetgroup');
    const attributes: Elbv2TargetGroupAttributes = {
      arn,
      protocol: g.Protocol,
      protocol_version: g.ProtocolVersion,
      port: g.Port,
      vpc_id: g.VpcId,
      target_type: g.TargetType,
      ip_address_type: g.IpAddressType,
      load_balancer_arns: sorted(g.LoadBalancerArns),
      health_check: compact({
        enabled: g.HealthCheckEnabled,
        protocol: g.HealthCheckProtocol,
        port: g.HealthCheckPort,
        path: g.HealthCheckPath,
        interval_seconds: g.HealthCheckIntervalSeconds,
        timeout_seconds: g.HealthCheckTimeoutSeconds,
        healthy_threshold: g.HealthyThresholdCount,
        unhealthy_threshold: g.UnhealthyThresholdCount,
        matcher: g.Matcher?.HttpCode ?? g.Matcher?.GrpcCode,
      }),
      targets: registered,
    };
    out.push({
      ...base(ctx, 'elbv2.target_group', id, t, g.TargetGroupName ?? id),
      status: 'active',
      attributes: compact({ ...attributes }),
    });
  }
  return out;
}

export const elbv2TargetGroup: Provider<'elbv2.target_group'> = {
  type: 'elbv2.target_group',
  service: 'elasticloadbalancing',
  cfnType: 'AWS::ElasticLoadBalancingV2::TargetGroup',
  tagWrites: ELBV2_TAG_WRITES,
  listKeys: { 'attributes.targets': 'id' },
  operations: ['DescribeTargetGroups', 'DescribeTargetHealth', 'DescribeTags'],
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    const client = ctx.clients.client('elasticloadbalancing');
    if (ids) {
      const groups = await byIds(ids, async (id) => {
        const res = await client.send(
          new DescribeTargetGroupsCommand({ TargetGroupArns: [elbv2Arn(ctx, 'targetgroup', id)] }),
        );
        return res.TargetGroups ?? [];
      });
      yield await normalise(ctx, groups);
      return;
    }
    for await (const page of paginateDescribeTargetGroups({ client }, { PageSize: ctx.pageSize })) {
      yield await normalise(ctx, page.TargetGroups ?? []);
    }
  },
};
