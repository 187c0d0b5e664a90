import { paginateDescribeVolumes } from '@aws-sdk/client-ec2';
import { base, compact, iso, required, sorted, tagsOf } from '../normalize.js';
import { arnOf, ec2Filters, type Provider } from '../provider.js';
import { EC2_TAG_WRITES } from '../tag-writes.js';

export const ec2Volume: Provider<'ec2.volume'> = {
  type: 'ec2.volume',
  service: 'ec2',
  cfnType: 'AWS::EC2::Volume',
  tagWrites: EC2_TAG_WRITES,
  operations: ['DescribeVolumes'],
  serverSideTagFilter: true,
  async *pages(ctx, filter, ids) {
    for await (const page of paginateDescribeVolumes(
      { client: ctx.clients.ec2, pageSize: ctx.pageSize },
      { Filters: ec2Filters(filter, 'volume-id', ids) },
    )) {
      yield (page.Volumes ?? []).map((v) => {
        const id = required(v.VolumeId, 'Volume.VolumeId');
        return {
          ...base(ctx, 'ec2.volume', id, tagsOf(v.Tags)),
          status: v.State ?? 'unknown',
          created_at: iso(v.CreateTime),
          attributes: compact({
            arn: arnOf(ctx, 'ec2', `volume/${id}`),
            volume_type: v.VolumeType ?? 'unknown',
            size_gib: required(v.Size, `${id} Size`),
            iops: v.Iops,
            throughput: v.Throughput,
            encrypted: v.Encrypted === true,
            kms_key_id: v.KmsKeyId,
            state: v.State ?? 'unknown',
            availability_zone: v.AvailabilityZone ?? '',
            attached_instance_ids: sorted(v.Attachments?.map((a) => a.InstanceId)),
            snapshot_id: v.SnapshotId || undefined,
          }),
        };
      });
    }
  },
};
