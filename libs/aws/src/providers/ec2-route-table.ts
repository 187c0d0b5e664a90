import { paginateDescribeRouteTables, type Route } from '@aws-sdk/client-ec2';
import { base, byKey, compact, required, sorted, tagsOf } from '../normalize.js';
import { arnOf, ec2Filters, type Provider } from '../provider.js';
import { EC2_TAG_WRITES } from '../tag-writes.js';

function target(r: Route): string {
  return (
    r.GatewayId ??
    r.NatGatewayId ??
    r.InstanceId ??
    r.NetworkInterfaceId ??
    r.VpcPeeringConnectionId ??
    r.TransitGatewayId ??
    r.EgressOnlyInternetGatewayId ??
    r.LocalGatewayId ??
    r.CarrierGatewayId ??
    'unknown'
  );
}

export const ec2RouteTable: Provider<'ec2.route_table'> = {
  type: 'ec2.route_table',
  service: 'ec2',
  cfnType: 'AWS::EC2::RouteTable',
  tagWrites: EC2_TAG_WRITES,
  listKeys: { 'attributes.routes': 'destination' },
  operations: ['DescribeRouteTables'],
  serverSideTagFilter: true,
  async *pages(ctx, filter, ids) {
    for await (const page of paginateDescribeRouteTables(
      { client: ctx.clients.ec2, pageSize: ctx.pageSize },
      { Filters: ec2Filters(filter, 'route-table-id', ids) },
    )) {
      yield (page.RouteTables ?? []).map((t) => {
        const id = required(t.RouteTableId, 'RouteTable.RouteTableId');
        const routes = (t.Routes ?? []).map((r) =>
          compact({
            destination: r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock ?? r.DestinationPrefixListId ?? 'unknown',
            target: target(r),
            state: r.State,
          }),
        );
        return {
          ...base(ctx, 'ec2.route_table', id, tagsOf(t.Tags)),
          status: 'active',
          attributes: {
            arn: arnOf(ctx, 'ec2', `route-table/${id}`),
            vpc_id: required(t.VpcId, `${id} VpcId`),
            main: (t.Associations ?? []).some((a) => a.Main === true),
            subnet_ids: sorted(t.Associations?.map((a) => a.SubnetId)),
            routes: byKey(routes, (r) => `${r.destination}>${r.target}`),
          },
        };
      });
    }
  },
};
