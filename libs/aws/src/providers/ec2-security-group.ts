import { type IpPermission, paginateDescribeSecurityGroups } from '@aws-sdk/client-ec2';
import type { SecurityGroupRule } from '@elava/types';
import { base, byKey, compact, required, tagsOf } from '../normalize.js';
import { arnOf, ec2Filters, type Provider } from '../provider.js';
import { EC2_TAG_WRITES } from '../tag-writes.js';

const PROTOCOLS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', all: '-1' };

/**
 * One rule per (direction, protocol, ports, source), sorted: AWS groups sources under a
 * permission in no fixed order, so a re-ordered list must never read as a change.
 */
export function normalizeRules(
  direction: 'ingress' | 'egress',
  perms: IpPermission[] | undefined,
): SecurityGroupRule[] {
  const rules: SecurityGroupRule[] = [];
  for (const p of perms ?? []) {
    const raw = String(p.IpProtocol ?? '-1').toLowerCase();
    const protocol = PROTOCOLS[raw] ?? raw;
    const all = protocol === '-1';
    const common = {
      direction,
      protocol,
      from_port: all ? null : (p.FromPort ?? null),
      to_port: all ? null : (p.ToPort ?? null),
    };
    const sources: { source: string; description?: string }[] = [
      ...(p.IpRanges ?? []).map((r) => ({ source: r.CidrIp ?? '', description: r.Description })),
      ...(p.Ipv6Ranges ?? []).map((r) => ({ source: r.CidrIpv6 ?? '', description: r.Description })),
      ...(p.UserIdGroupPairs ?? []).map((g) => ({
        source: g.GroupId ?? g.GroupName ?? '',
        description: g.Description,
      })),
      ...(p.PrefixListIds ?? []).map((l) => ({ source: l.PrefixListId ?? '', description: l.Description })),
    ];
    for (const s of sources)
      rules.push(compact({ ...common, source: s.source, description: s.description || undefined }));
  }
  return byKey(rules, (r) => `${r.direction}|${r.protocol}|${r.from_port}|${r.to_port}|${r.source}`);
}

export const ec2SecurityGroup: Provider<'ec2.security_group'> = {
  type: 'ec2.security_group',
  service: 'ec2',
  cfnType: 'AWS::EC2::SecurityGroup',
  tagWrites: EC2_TAG_WRITES,
  operations: ['DescribeSecurityGroups'],
  serverSideTagFilter: true,
  async *pages(ctx, filter, ids) {
    for await (const page of paginateDescribeSecurityGroups(
      { client: ctx.clients.ec2, pageSize: ctx.pageSize },
      { Filters: ec2Filters(filter, 'group-id', ids) },
    )) {
      yield (page.SecurityGroups ?? []).map((g) => {
        const id = required(g.GroupId, 'SecurityGroup.GroupId');
        return {
          ...base(ctx, 'ec2.security_group', id, tagsOf(g.Tags), g.GroupName ?? ''),
          status: 'active',
          attributes: compact({
            arn: arnOf(ctx, 'ec2', `security-group/${id}`),
            vpc_id: g.VpcId,
            group_name: g.GroupName ?? '',
            description: g.Description ?? '',
            rules: [...normalizeRules('ingress', g.IpPermissions), ...normalizeRules('egress', g.IpPermissionsEgress)],
          }),
        };
      });
    }
  },
};
