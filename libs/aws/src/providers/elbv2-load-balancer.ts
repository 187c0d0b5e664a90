import {
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  type LoadBalancer,
  ModifyLoadBalancerAttributesCommand,
  paginateDescribeLoadBalancers,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Resource } from '@elava/types';
import { base, compact, iso, required, sorted } from '../normalize.js';
import type { Provider, ScanContext } from '../provider.js';
import { byIds, ELBV2_TAG_WRITES, elbv2Arn, elbv2NativeId, elbv2Tags, unlessGone } from './elbv2-shared.js';

export interface Elbv2LoadBalancerAttributes {
  arn: string;
  /** application, network or gateway. */
  type: string;
  /** internet-facing or internal. */
  scheme: string;
  state: string;
  vpc_id?: string;
  dns_name?: string;
  ip_address_type?: string;
  availability_zones: string[];
  subnet_ids: string[];
  security_group_ids: string[];
  deletion_protection: boolean;
  access_logs: { enabled: boolean; bucket?: string; prefix?: string };
  idle_timeout_seconds?: number;
  drop_invalid_header_fields?: boolean;
  cross_zone_load_balancing?: boolean;
}

/** The load balancer attributes that matter, by their API key (absent ones do not apply to the type). */
async function settings(ctx: ScanContext, arn: string): Promise<Map<string, string>> {
  const res = await ctx.clients
    .client('elasticloadbalancing')
    .send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
  return new Map((res.Attributes ?? []).map((a) => [a.Key ?? '', a.Value ?? '']));
}

const flag = (v: string | undefined) => (v === undefined ? undefined : v === 'true');
const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

async function normalise(ctx: ScanContext, lbs: LoadBalancer[]): Promise<Resource<'elbv2.load_balancer'>[]> {
  const arns = lbs.map((lb) => required(lb.LoadBalancerArn, 'LoadBalancer.LoadBalancerArn'));
  const tags = await elbv2Tags(ctx, arns);
  const out: Resource<'elbv2.load_balancer'>[] = [];
  for (const lb of lbs) {
    const arn = lb.LoadBalancerArn as string;
    const id = elbv2NativeId(arn, 'loadbalancer');
    const t = tags.get(arn);
    const s = t && (await unlessGone(settings(ctx, arn)));
    if (!t || !s) continue; // deleted since it was listed
    const state = lb.State?.Code ?? 'unknown';
    const attributes: Elbv2LoadBalancerAttributes = {
      arn,
      type: required(lb.Type, `${id} Type`),
      scheme: required(lb.Scheme, `${id} Scheme`),
      state,
      vpc_id: lb.VpcId,
      dns_name: lb.DNSName,
      ip_address_type: lb.IpAddressType,
      availability_zones: sorted(lb.AvailabilityZones?.map((z) => z.ZoneName)),
      subnet_ids: sorted(lb.AvailabilityZones?.map((z) => z.SubnetId)),
      security_group_ids: sorted(lb.SecurityGroups),
      deletion_protection: s.get('deletion_protection.enabled') === 'true',
      access_logs: compact({
        enabled: s.get('access_logs.s3.enabled') === 'true',
        bucket: s.get('access_logs.s3.bucket') || undefined,
        prefix: s.get('access_logs.s3.prefix') || undefined,
      }),
      idle_timeout_seconds: num(s.get('idle_timeout.timeout_seconds')),
      drop_invalid_header_fields: flag(s.get('routing.http.drop_invalid_header_fields.enabled')),
      cross_zone_load_balancing: flag(s.get('load_balancing.cross_zone.enabled')),
    };
    out.push({
      ...base(ctx, 'elbv2.load_balancer', id, t, lb.LoadBalancerName ?? id),
      status: state,
      created_at: iso(lb.CreatedTime),
      attributes: compact({ ...attributes }),
    });
  }
  return out;
}

export const elbv2LoadBalancer: Provider<'elbv2.load_balancer'> = {
  type: 'elbv2.load_balancer',
  service: 'elasticloadbalancing',
  cfnType: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
  tagWrites: ELBV2_TAG_WRITES,
  protection: {
    commands: { ModifyLoadBalancerAttributes: ModifyLoadBalancerAttributesCommand },
    isOn: async (_ctx, r) => r.attributes.deletion_protection === true,
    // Only the key given is changed: every other attribute keeps its value.
    call: (t) => ({
      service: 'elasticloadbalancing',
      operation: 'ModifyLoadBalancerAttributes',
      input: { LoadBalancerArn: t.arn, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'true' }] },
    }),
    note: 'deletion protection on',
  },
  operations: ['DescribeLoadBalancers', 'DescribeLoadBalancerAttributes', 'DescribeTags'],
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    const client = ctx.clients.client('elasticloadbalancing');
    if (ids) {
      const lbs = await byIds(ids, async (id) => {
        const res = await client.send(
          new DescribeLoadBalancersCommand({ LoadBalancerArns: [elbv2Arn(ctx, 'loadbalancer', id)] }),
        );
        return res.LoadBalancers ?? [];
      });
      yield await normalise(ctx, lbs);
      return;
    }
    for await (const page of paginateDescribeLoadBalancers({ client }, { PageSize: ctx.pageSize })) {
      yield await normalise(ctx, page.LoadBalancers ?? []);
    }
  },
};
