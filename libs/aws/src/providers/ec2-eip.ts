import { DescribeAddressesCommand } from '@aws-sdk/client-ec2';
import { base, compact, required, tagsOf } from '../normalize.js';
import { arnOf, ec2Filters, type Provider } from '../provider.js';
import { EC2_TAG_WRITES } from '../tag-writes.js';

export const ec2Eip: Provider<'ec2.eip'> = {
  type: 'ec2.eip',
  service: 'ec2',
  cfnType: 'AWS::EC2::EIP',
  tagWrites: EC2_TAG_WRITES,
  operations: ['DescribeAddresses'],
  serverSideTagFilter: true,
  async *pages(ctx, filter, ids) {
    // DescribeAddresses has no pagination: one answer holds every address of the region.
    const res = await ctx.clients.ec2.send(
      new DescribeAddressesCommand({ Filters: ec2Filters(filter, 'allocation-id', ids) }),
    );
    yield (res.Addresses ?? []).map((a) => {
      const id = required(a.AllocationId ?? a.PublicIp, 'Address.AllocationId');
      return {
        ...base(ctx, 'ec2.eip', id, tagsOf(a.Tags), a.PublicIp ?? ''),
        status: a.AssociationId ? 'associated' : 'unassociated',
        attributes: compact({
          arn: arnOf(ctx, 'ec2', `elastic-ip/${id}`),
          public_ip: a.PublicIp ?? '',
          allocation_id: a.AllocationId ?? '',
          domain: a.Domain ?? 'vpc',
          association_id: a.AssociationId,
          instance_id: a.InstanceId || undefined,
          network_interface_id: a.NetworkInterfaceId,
        }),
      };
    });
  },
};
