import { paginateDescribeSnapshots } from '@aws-sdk/client-ec2';
import { base, compact, iso, required, tagsOf } from '../normalize.js';
import { ec2TagFilters, type Provider } from '../provider.js';

export const ec2Snapshot: Provider<'ec2.snapshot'> = {
  type: 'ec2.snapshot',
  service: 'ec2',
  operations: ['DescribeSnapshots'],
  serverSideTagFilter: true,
  async *pages(ctx, filter) {
    // Own snapshots only: without OwnerIds the API lists every public snapshot in the region.
    for await (const page of paginateDescribeSnapshots(
      { client: ctx.clients.ec2, pageSize: ctx.pageSize },
      { OwnerIds: ['self'], Filters: ec2TagFilters(filter) },
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
