import { paginateDescribeNetworkInterfaces } from '@aws-sdk/client-ec2';
import { base, compact, required, sorted, tagsOf } from '../normalize.js';
import { arnOf, ec2Filters, type Provider } from '../provider.js';
import { EC2_TAG_WRITES } from '../tag-writes.js';

export const ec2NetworkInterface: Provider<'ec2.network_interface'> = {
  type: 'ec2.network_interface',
  service: 'ec2',
  cfnType: 'AWS::EC2::NetworkInterface',
  tagWrites: EC2_TAG_WRITES,
  operations: ['DescribeNetworkInterfaces'],
  serverSideTagFilter: true,
  async *pages(ctx, filter, ids) {
    for await (const page of paginateDescribeNetworkInterfaces(
      { client: ctx.clients.ec2, pageSize: ctx.pageSize },
      { Filters: ec2Filters(filter, 'network-interface-id', ids) },
    )) {
      yield (page.NetworkInterfaces ?? []).map((n) => {
        const id = required(n.NetworkInterfaceId, 'NetworkInterface.NetworkInterfaceId');
        return {
          ...base(ctx, 'ec2.network_interface', id, tagsOf(n.TagSet), n.Description ?? ''),
          status: n.Status ?? 'unknown',
          attributes: compact({
            arn: arnOf(ctx, 'ec2', `network-interface/${id}`),
            vpc_id: n.VpcId,
            subnet_id: n.SubnetId,
            interface_type: n.InterfaceType,
            status: n.Status ?? 'unknown',
            private_ip: n.PrivateIpAddress,
            public_ip: n.Association?.PublicIp,
            attached_instance_id: n.Attachment?.InstanceId,
            security_group_ids: sorted(n.Groups?.map((g) => g.GroupId)),
          }),
        };
      });
    }
  },
};
