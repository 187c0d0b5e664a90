import { paginateDescribeDBClusters } from '@aws-sdk/client-rds';
import type { Resource } from '@elava/types';
import { base, compact, iso, required, sorted } from '../normalize.js';
import type { Provider } from '../provider.js';
import { rdsTags } from './rds-tags.js';

export const rdsCluster: Provider<'rds.cluster'> = {
  type: 'rds.cluster',
  service: 'rds',
  operations: ['DescribeDBClusters', 'ListTagsForResource'],
  serverSideTagFilter: false,
  async *pages(ctx) {
    for await (const page of paginateDescribeDBClusters({ client: ctx.clients.rds, pageSize: ctx.pageSize }, {})) {
      const out: Resource<'rds.cluster'>[] = [];
      for (const c of page.DBClusters ?? []) {
        const id = required(c.DBClusterIdentifier, 'DBCluster.DBClusterIdentifier');
        out.push({
          ...base(ctx, 'rds.cluster', id, await rdsTags(ctx, c.DBClusterArn, c.TagList), id),
          status: c.Status ?? 'unknown',
          created_at: iso(c.ClusterCreateTime),
          attributes: compact({
            engine: c.Engine ?? 'unknown',
            engine_version: c.EngineVersion,
            status: c.Status ?? 'unknown',
            storage_encrypted: c.StorageEncrypted === true,
            deletion_protection: c.DeletionProtection === true,
            member_instance_ids: sorted(c.DBClusterMembers?.map((m) => m.DBInstanceIdentifier)),
            backup_retention_days: c.BackupRetentionPeriod,
          }),
        });
      }
      yield out;
    }
  },
};
