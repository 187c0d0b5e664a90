import { paginateDescribeSnapshots } from '@aws-sdk/client-ec2';
import { base, compact, iso, required, tagsOf } from '../normalize.js';
import { arnOf, ec2Filters, type Provider } from '../provider.js';
import { EC2_TAG_WRITES } from '../tag-writes.js';

export const ec2Snapshot: Provider<'ec2.snapshot'> = {
  type: 'ec2.snapshot',
  service: 'ec2',
  cfnType: 'AWS::EC2::Snapshot',
  tagWrites: EC2_TAG_WRITES,
  operations: ['DescribeSnapshots'],
  serverSideTagFilter: true,
  async *pages(ctx, filter, ids) {
    // Own snapshots only: without OwnerIds the API lists every public snapshot in the region.
    for await (const page of paginateDescribeSnapshots(
      { client: ctx.clients.ec2, pageSize: ctx.pageSize },
      { OwnerIds: ['self'], Filters: ec2Filters(filter, 'snapshot-id', ids) },
    )) {
      // moto 5.2 answers OwnerIds=['self'] with Amazon's AMI snapshots too; never take another
      // account's snapshot for one of ours.
      yield (page.Snapshots ?? [])
        .filter((s) => !s.OwnerId || s.OwnerId === ctx.account)
        .map((s) => {
          const id = required(s.SnapshotId, 'Snapshot.SnapshotId');
          return {
            ...base(ctx, 'ec2.snapshot', id, tagsOf(s.Tags)),
            status: s.State ?? 'unknown',
            created_at: iso(s.StartTime),
            attributes: compact({
              arn: arnOf({ ...ctx, account: '' }, 'ec2', `snapshot/${id}`),
              volume_id: s.VolumeId,
              volume_size_gib: s.VolumeSize ?? 0,
              encrypted: s.Encrypted === true,
              state: s.State ?? 'unknown',
              description: s.Description || undefined,
              start_time: iso(s.StartTime),
            }),
          };
        });
    }
  },
};
