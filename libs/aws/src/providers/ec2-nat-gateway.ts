import { paginateDescribeNatGateways } from '@aws-sdk/client-ec2';
import { base, iso, required, sorted, tagsOf } from '../normalize.js';
import type { Provider } from '../provider.js';

export const ec2NatGateway: Provider<'ec2.nat_gateway'> = {
  type: 'ec2.nat_gateway',
  service: 'ec2',
  operations: ['DescribeNatGateways'],
  // DescribeNatGateways takes `Filter`, and moto ignores tag filters there: filter after reading.
  serverSideTagFilter: false,
  async *pages(ctx) {
    for await (const page of paginateDescribeNatGateways({ client: ctx.clients.ec2, pageSize: ctx.pageSize }, {})) {
      yield (page.NatGateways ?? []).map((n) => {
        const id = required(n.NatGatewayId, 'NatGateway.NatGatewayId');
        return {
          ...base(ctx, 'ec2.nat_gateway', id, tagsOf(n.Tags)),
          status: n.State ?? 'unknown',
          created_at: iso(n.CreateTime),
          attributes: {
            vpc_id: required(n.VpcId, `${id} VpcId`),
            subnet_id: required(n.SubnetId, `${id} SubnetId`),
            state: n.State ?? 'unknown',
            connectivity_type: n.ConnectivityType ?? 'public',
            public_ips: sorted(n.NatGatewayAddresses?.map((a) => a.PublicIp)),
          },
        };
      });
    }
  },
};
