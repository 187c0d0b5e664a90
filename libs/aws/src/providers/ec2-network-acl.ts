import { type NetworkAclEntry, paginateDescribeNetworkAcls } from '@aws-sdk/client-ec2';
import { base, byKey, compact, required, sorted, tagsOf } from '../normalize.js';
import { arnOf, ec2TagFilters, isNotFound, type Provider } from '../provider.js';
import { EC2_TAG_WRITES } from '../tag-writes.js';

export interface Ec2NetworkAclEntry {
  /** `<egress|ingress>:<rule number>`: a rule number is unique per direction. */
  rule_key: string;
  direction: 'egress' | 'ingress';
  rule_number: number;
  /** `-1` for all; otherwise the IP protocol number (6 tcp, 17 udp, 1 icmp). */
  protocol: string;
  rule_action: string;
  cidr_block?: string;
  ipv6_cidr_block?: string;
  from_port?: number;
  to_port?: number;
  icmp_type?: number;
  icmp_code?: number;
}

export interface Ec2NetworkAclAttributes {
  arn: string;
  vpc_id: string;
  is_default: boolean;
  subnet_ids: string[];
  entries: Ec2NetworkAclEntry[];
}

function entry(id: string, e: NetworkAclEntry): Ec2NetworkAclEntry {
  const direction = e.Egress ? ('egress' as const) : ('ingress' as const);
  const ruleNumber = required(e.RuleNumber, `${id} RuleNumber`);
  return compact({
    rule_key: `${direction}:${ruleNumber}`,
    direction,
    rule_number: ruleNumber,
    protocol: required(e.Protocol, `${id} rule ${ruleNumber} Protocol`),
    rule_action: required(e.RuleAction, `${id} rule ${ruleNumber} RuleAction`),
    cidr_block: e.CidrBlock,
    ipv6_cidr_block: e.Ipv6CidrBlock,
    from_port: e.PortRange?.From,
    to_port: e.PortRange?.To,
    icmp_type: e.IcmpTypeCode?.Type,
    icmp_code: e.IcmpTypeCode?.Code,
  });
}

/** Asked by id through NetworkAclIds: moto (5.2) has no `network-acl-id` filter (it answers 500). */
export const ec2NetworkAcl: Provider<'ec2.network_acl'> = {
  type: 'ec2.network_acl',
  service: 'ec2',
  cfnType: 'AWS::EC2::NetworkAcl',
  tagWrites: EC2_TAG_WRITES,
  listKeys: { 'attributes.entries': 'rule_key' },
  operations: ['DescribeNetworkAcls'],
  serverSideTagFilter: true,
  async *pages(ctx, filter, ids) {
    // AWS fails the whole call when one of the ids does not exist: then one call per id.
    if (ids && ids.length > 1) {
      for (const id of ids) yield* ec2NetworkAcl.pages(ctx, filter, [id]);
      return;
    }
    try {
      for await (const page of paginateDescribeNetworkAcls(
        { client: ctx.clients.ec2, pageSize: ids ? undefined : ctx.pageSize },
        { Filters: ec2TagFilters(filter), ...(ids ? { NetworkAclIds: [...ids] } : {}) },
      )) {
        yield (page.NetworkAcls ?? []).map((n) => {
          const id = required(n.NetworkAclId, 'NetworkAcl.NetworkAclId');
          return {
            ...base(ctx, 'ec2.network_acl', id, tagsOf(n.Tags)),
            status: 'active',
            attributes: {
              arn: arnOf(ctx, 'ec2', `network-acl/${id}`),
              vpc_id: required(n.VpcId, `${id} VpcId`),
              is_default: n.IsDefault === true,
              subnet_ids: sorted(n.Associations?.map((a) => a.SubnetId)),
              entries: byKey(
                (n.Entries ?? []).map((e) => entry(id, e)),
                (e) => `${e.direction}:${String(e.rule_number).padStart(5, '0')}`,
              ),
            } satisfies Ec2NetworkAclAttributes,
          };
        });
      }
    } catch (err) {
      if (ids && isNotFound(err)) return;
      throw err;
    }
  },
};
