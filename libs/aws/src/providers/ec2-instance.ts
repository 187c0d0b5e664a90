import {
  DescribeInstanceAttributeCommand,
  ModifyInstanceAttributeCommand,
  paginateDescribeInstances,
} from '@aws-sdk/client-ec2';
import type { Resource } from '@elava/types';
import { base, compact, iso, required, sorted, tagsOf } from '../normalize.js';
import { arnOf, ec2Filters, type Provider } from '../provider.js';
import { EC2_TAG_WRITES } from '../tag-writes.js';

export const ec2Instance: Provider<'ec2.instance'> = {
  type: 'ec2.instance',
  service: 'ec2',
  cfnType: 'AWS::EC2::Instance',
  tagWrites: EC2_TAG_WRITES,
  protection: {
    commands: { ModifyInstanceAttribute: ModifyInstanceAttributeCommand },
    reads: ['DescribeInstanceAttribute'],
    async isOn(ctx, r) {
      const attr = await ctx.clients.ec2.send(
        new DescribeInstanceAttributeCommand({ InstanceId: r.native_id, Attribute: 'disableApiTermination' }),
      );
      return attr.DisableApiTermination?.Value === true;
    },
    call: (t) => ({
      service: 'ec2',
      operation: 'ModifyInstanceAttribute',
      input: { InstanceId: t.nativeId, DisableApiTermination: { Value: true } },
    }),
    note: 'termination protection on',
  },
  operations: ['DescribeInstances'],
  serverSideTagFilter: true,
  async *pages(ctx, filter, ids) {
    for await (const page of paginateDescribeInstances(
      { client: ctx.clients.ec2, pageSize: ctx.pageSize },
      { Filters: ec2Filters(filter, 'instance-id', ids) },
    )) {
      const out: Resource<'ec2.instance'>[] = [];
      for (const r of page.Reservations ?? []) {
        for (const i of r.Instances ?? []) {
          const id = required(i.InstanceId, 'Instance.InstanceId');
          const state = i.State?.Name ?? 'unknown';
          // EC2 lists a terminated instance for about an hour more: it is gone, and recording it
          // would put off its disappearance (a blessed one's critical alert) by that hour.
          if (state === 'terminated') continue;
          out.push({
            ...base(ctx, 'ec2.instance', id, tagsOf(i.Tags)),
            status: state,
            created_at: iso(i.LaunchTime),
            attributes: compact({
              arn: arnOf(ctx, 'ec2', `instance/${id}`),
              instance_type: required(i.InstanceType, `${id} InstanceType`),
              state,
              vpc_id: i.VpcId,
              subnet_id: i.SubnetId,
              availability_zone: i.Placement?.AvailabilityZone,
              image_id: i.ImageId,
              private_ip: i.PrivateIpAddress,
              public_ip: i.PublicIpAddress,
              security_group_ids: sorted(i.SecurityGroups?.map((g) => g.GroupId)),
              iam_instance_profile: i.IamInstanceProfile?.Arn,
              ebs_optimized: i.EbsOptimized,
              launch_time: iso(i.LaunchTime),
              state_transition_reason: i.StateTransitionReason || undefined,
            }),
          });
        }
      }
      yield out;
    }
  },
};
