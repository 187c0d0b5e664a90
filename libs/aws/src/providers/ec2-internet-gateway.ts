import { paginateDescribeInternetGateways } from '@aws-sdk/client-ec2';
import { base, required, sorted, tagsOf } from '../normalize.js';
import { arnOf, ec2Filters, type Provider } from '../provider.js';
import { EC2_TAG_WRITES } from '../tag-writes.js';

export const ec2InternetGateway: Provider<'ec2.internet_gateway'> = {
  type: 'ec2.internet_gateway',
  service: 'ec2',
  cfnType: 'AWS::EC2::InternetGateway',
  tagWrites: EC2_TAG_WRITES,
  operations: ['DescribeInternetGateways'],
  serverSideTagFilter: true,
  async *pages(ctx, filter, ids) {
    for await (const page of paginateDescribeInternetGateways(
      { client: ctx.clients.ec2, pageSize: ctx.pageSize },
      { Filters: ec2Filters(filter, 'internet-gateway-id', ids) },
    )) {
      yield (page.InternetGateways ?? []).map((g) => {
        const attached = sorted(g.Attachments?.map((a) => a.VpcId));
        const id = required(g.InternetGatewayId, 'InternetGateway.InternetGatewayId');
        return {
          ...base(ctx, 'ec2.internet_gateway', id, tagsOf(g.Tags)),
          status: attached.length > 0 ? 'attached' : 'detached',
          attributes: { arn: arnOf(ctx, 'ec2', `internet-gateway/${id}`), attached_vpc_ids: attached },
        };
      });
    }
  },
};
