import { paginateDescribeSubnets } from '@aws-sdk/client-ec2';
import { base, required, tagsOf } from '../normalize.js';
import { arnOf, ec2Filters, type Provider } from '../provider.js';
import { EC2_TAG_WRITES } from '../tag-writes.js';

export const ec2Subnet: Provider<'ec2.subnet'> = {
  type: 'ec2.subnet',
  service: 'ec2',
  cfnType: 'AWS::EC2::Subnet',
  tagWrites: EC2_TAG_WRITES,
  operations: ['DescribeSubnets'],
  serverSideTagFilter: true,
  async *pages(ctx, filter, ids) {
    for await (const page of paginateDescribeSubnets(
      { client: ctx.clients.ec2, pageSize: ctx.pageSize },
      { Filters: ec2Filters(filter, 'subnet-id', ids) },
    )) {
      yield (page.Subnets ?? []).map((s) => {
        const id = required(s.SubnetId, 'Subnet.SubnetId');
        return {
          ...base(ctx, 'ec2.subnet', id, tagsOf(s.Tags)),
          status: s.State ?? 'unknown',
          attributes: {
            arn: arnOf(ctx, 'ec2', `subnet/${id}`),
            vpc_id: required(s.VpcId, `${id} VpcId`),
            cidr_block: required(s.CidrBlock, `${id} CidrBlock`),
            availability_zone: s.AvailabilityZone ?? '',
            map_public_ip_on_launch: s.MapPublicIpOnLaunch === true,
            // AvailableIpAddressCount is left out: it moves with every launch and is no drift.
            default_for_az: s.DefaultForAz === true,
          },
        };
      });
    }
  },
};
