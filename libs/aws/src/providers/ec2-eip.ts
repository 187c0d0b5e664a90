import { DescribeAddressesCommand } from '@aws-sdk/client-ec2';
import { base, compact, required, tagsOf } from '../normalize.js';
import { ec2TagFilters, type Provider } from '../provider.js';

export const ec2Eip: Provider<'ec2.eip'> = {
  type: 'ec2.eip',
  service: 'ec2',
  operations: ['DescribeAddresses'],
  serverSideTagFilter: true,
  async *pages(ctx, filter) {
    // DescribeAddresses has no pagination: one answer holds every address of the region.
    const res = await ctx.clients.ec2.send(new DescribeAddressesCommand({ Filters: ec2TagFilters(filter) }));
    yield (res.Addresses ?? []).map((a) => {
      const id = required(a.AllocationId ?? a.PublicIp, 'Address.AllocationId');
      return {
        ...base(ctx, 'ec2.eip', id, tagsOf(a.Tags), a.PublicIp ?? ''),
        status: a.AssociationId ? 'associated' : 'unassociated',
        attributes: compact({
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
