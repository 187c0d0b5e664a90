import { paginateDescribeDBClusterSnapshots, paginateDescribeDBSnapshots, type Tag } from '@aws-sdk/client-rds';
import type { Resource } from '@elava/types';
import { base, compact, iso, required } from '../normalize.js';
import type { Provider, ScanContext } from '../provider.js';
import { RDS_TAG_WRITES } from '../tag-writes.js';
import { rdsTags } from './rds-tags.js';

/** The fields instance and cluster snapshots share, under the names each API gives them. */
interface SnapshotFields {
  id: string;
  arn?: string;
  tags?: Tag[];
  source?: string;
  type?: string;
  engine?: string;
  storage?: number;
  encrypted?: boolean;
  status?: string;
  created?: Date;
  kind: 'instance' | 'cluster';
}

async function snapshot(ctx: ScanContext, f: SnapshotFields): Promise<Resource<'rds.snapshot'>> {
  return {
    ...base(ctx, 'rds.snapshot', f.id, await rdsTags(ctx, f.arn, f.tags), f.id),
    status: f.status ?? 'unknown',
    created_at: iso(f.created),
    attributes: compact({
      arn: f.arn,
      source_id: f.source ?? '',
      snapshot_type: f.type ?? 'manual',
      engine: f.engine,
      allocated_storage_gib: f.storage,
      encrypted: f.encrypted === true,
      status: f.status ?? 'unknown',
      kind: f.kind,
    }),
  };
}

/** Instance and cluster snapshots are one type; `kind` tells them apart. */
export const rdsSnapshot: Provider<'rds.snapshot'> = {
  type: 'rds.snapshot',
  service: 'rds',
  cfnType: 'AWS::RDS::DBSnapshot',
  tagWrites: RDS_TAG_WRITES,
  operations: ['DescribeDBSnapshots', 'DescribeDBClusterSnapshots', 'ListTagsForResource'],
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    for await (const page of paginateDescribeDBSnapshots(
      { client: ctx.clients.rds, pageSize: ctx.pageSize },
      ids ? { Filters: [{ Name: 'db-snapshot-id', Values: [...ids] }] } : {},
    )) {
      const out: Resource<'rds.snapshot'>[] = [];
      for (const s of page.DBSnapshots ?? []) {
        out.push(
          await snapshot(ctx, {
            id: required(s.DBSnapshotIdentifier, 'DBSnapshot.DBSnapshotIdentifier'),
            arn: s.DBSnapshotArn,
            tags: s.TagList,
            source: s.DBInstanceIdentifier,
            type: s.SnapshotType,
            engine: s.Engine,
            storage: s.AllocatedStorage,
            encrypted: s.Encrypted,
            status: s.Status,
            created: s.SnapshotCreateTime,
            kind: 'instance',
          }),
        );
      }
      yield out;
    }
    const clusters = paginateDescribeDBClusterSnapshots(
      { client: ctx.clients.rds, pageSize: ctx.pageSize },
      ids ? { Filters: [{ Name: 'db-cluster-snapshot-id', Values: [...ids] }] } : {},
    );
    for await (const page of clusters) {
      const out: Resource<'rds.snapshot'>[] = [];
      for (const s of page.DBClusterSnapshots ?? []) {
        out.push(
          await snapshot(ctx, {
            id: required(s.DBClusterSnapshotIdentifier, 'DBClusterSnapshot.DBClusterSnapshotIdentifier'),
            arn: s.DBClusterSnapshotArn,
            tags: s.TagList,
            source: s.DBClusterIdentifier,
            type: s.SnapshotType,
            engine: s.Engine,
            storage: s.AllocatedStorage,
            encrypted: s.StorageEncrypted,
            status: s.Status,
            created: s.SnapshotCreateTime,
            kind: 'cluster',
          }),
        );
      }
      yield out;
    }
  },
};
