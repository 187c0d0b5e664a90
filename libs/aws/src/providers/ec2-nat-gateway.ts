import { paginateDescribeNatGateways } from '@aws-sdk/client-ec2';
import { base, iso, required, sorted, tagsOf } from '../normalize.js';
import { arnOf, type Provider } from '../provider.js';
import { EC2_TAG_WRITES } from '../tag-writes.js';

export const ec2NatGateway: Provider<'ec2.nat_gateway'> = {
  type: 'ec2.nat_gateway',
  service: 'ec2',
  cfnType: 'AWS::EC2::NatGateway',
  tagWrites: EC2_TAG_WRITES,
  operations: ['DescribeNatGateways'],
  // DescribeNatGateways takes `Filter`, and moto ignores tag filters there: filter after reading.
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    for await (const page of paginateDescribeNatGateways(
      { client: ctx.clients.ec2, pageSize: ctx.pageSize },
      ids ? { Filter: [{ Name: 'nat-gateway-id', Values: [...ids] }] } : {},
    )) {
      yield (page.NatGateways ?? []).map((n) => {
        const id = required(n.NatGatewayId, 'NatGateway.NatGatewayId');
        return {
          ...base(ctx, 'ec2.nat_gateway', id, tagsOf(n.Tags)),
          status: n.State ?? 'unknown',
          created_at: iso(n.CreateTime),
          attributes: {
            arn: arnOf(ctx, 'ec2', `natgateway/${id}`),
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
