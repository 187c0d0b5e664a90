import { paginateDescribeInternetGateways } from '@aws-sdk/client-ec2';
import { base, required, sorted, tagsOf } from '../normalize.js';
import { ec2TagFilters, type Provider } from '../provider.js';

export const ec2InternetGateway: Provider<'ec2.internet_gateway'> = {
  type: 'ec2.internet_gateway',
  service: 'ec2',
  operations: ['DescribeInternetGateways'],
  serverSideTagFilter: true,
  async *pages(ctx, filter) {
    for await (const page of paginateDescribeInternetGateways(
      { client: ctx.clients.ec2, pageSize: ctx.pageSize },
      { Filters: ec2TagFilters(filter) },
    )) {
      yield (page.InternetGateways ?? []).map((g) => {
        const attached = sorted(g.Attachments?.map((a) => a.VpcId));
        return {
          ...base(
            ctx,
            'ec2.internet_gateway',
            required(g.InternetGatewayId, 'InternetGateway.InternetGatewayId'),
            tagsOf(g.Tags),
          ),
          status: attached.length > 0 ? 'attached' : 'detached',
          attributes: { attached_vpc_ids: attached },
        };
      });
    }
  },
};
