import { paginateDescribeVpcs } from '@aws-sdk/client-ec2';
import { base, required, sorted, tagsOf } from '../normalize.js';
import { arnOf, ec2Filters, type Provider } from '../provider.js';
import { EC2_TAG_WRITES } from '../tag-writes.js';

export const ec2Vpc: Provider<'ec2.vpc'> = {
  type: 'ec2.vpc',
  service: 'ec2',
  cfnType: 'AWS::EC2::VPC',
  tagWrites: EC2_TAG_WRITES,
  operations: ['DescribeVpcs'],
  serverSideTagFilter: true,
  async *pages(ctx, filter, ids) {
    for await (const page of paginateDescribeVpcs(
      { client: ctx.clients.ec2, pageSize: ctx.pageSize },
      { Filters: ec2Filters(filter, 'vpc-id', ids) },
    )) {
      yield (page.Vpcs ?? []).map((v) => {
        const id = required(v.VpcId, 'Vpc.VpcId');
        return {
          ...base(ctx, 'ec2.vpc', id, tagsOf(v.Tags)),
          status: v.State ?? 'unknown',
          attributes: {
            arn: arnOf(ctx, 'ec2', `vpc/${id}`),
            cidr_block: required(v.CidrBlock, `${id} CidrBlock`),
            is_default: v.IsDefault === true,
            state: v.State ?? 'unknown',
            ipv6_cidr_blocks: sorted(v.Ipv6CidrBlockAssociationSet?.map((a) => a.Ipv6CidrBlock)),
          },
        };
      });
    }
  },
};
