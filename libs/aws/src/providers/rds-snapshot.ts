import { paginateDescribeDBClusterSnapshots, paginateDescribeDBSnapshots } from '@aws-sdk/client-rds';
import type { Resource } from '@elava/types';
import { base, compact, iso, required } from '../normalize.js';
import type { Provider } from '../provider.js';
import { rdsTags } from './rds-tags.js';

/** Instance and cluster snapshots are one type; `kind` tells them apart. */
export const rdsSnapshot: Provider<'rds.snapshot'> = {
  type: 'rds.snapshot',
  service: 'rds',
  operations: ['DescribeDBSnapshots', 'DescribeDBClusterSnapshots', 'ListTagsForResource'],
  serverSideTagFilter: false,
  async *pages(ctx) {
    for await (const page of paginateDescribeDBSnapshots({ client: ctx.clients.rds, pageSize: ctx.pageSize }, {})) {
      const out: Resource<'rds.snapshot'>[] = [];
      for (const s of page.DBSnapshots ?? []) {
        const id = required(s.DBSnapshotIdentifier, 'DBSnapshot.DBSnapshotIdentifier');
        out.push({
          ...base(ctx, 'rds.snapshot', id, await rdsTags(ctx, s.DBSnapshotArn, s.TagList), id),
          status: s.Status ?? 'unknown',
          created_at: iso(s.SnapshotCreateTime),
          attributes: compact({
            source_id: s.DBInstanceIdentifier ?? '',
            snapshot_type: s.SnapshotType ?? 'manual',
            engine: s.Engine,
            allocated_storage_gib: s.AllocatedStorage,
            encrypted: s.Encrypted === true,
            status: s.Status ?? 'unknown',
            kind: 'instance' as const,
          }),
        });
      }
      yield out;
    }
    for await (const page of paginateDescribeDBClusterSnapshots(
      { client: ctx.clients.rds, pageSize: ctx.pageSize },
      {},
    )) {
      const out: Resource<'rds.snapshot'>[] = [];
      for (const s of page.DBClusterSnapshots ?? []) {
        const id = required(s.DBClusterSnapshotIdentifier, 'DBClusterSnapshot.DBClusterSnapshotIdentifier');
        out.push({
          ...base(ctx, 'rds.snapshot', id, await rdsTags(ctx, s.DBClusterSnapshotArn, s.TagList), id),
          status: s.Status ?? 'unknown',
          created_at: iso(s.SnapshotCreateTime),
          attributes: compact({
            source_id: s.DBClusterIdentifier ?? '',
            snapshot_type: s.SnapshotType ?? 'manual',
            engine: s.Engine,
            allocated_storage_gib: s.AllocatedStorage,
            encrypted: s.StorageEncrypted === true,
            status: s.Status ?? 'unknown',
            kind: 'cluster' as const,
          }),
        });
      }
      yield out;
    }
  },
};
