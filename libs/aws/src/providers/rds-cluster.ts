import { ModifyDBClusterCommand, paginateDescribeDBClusters } from '@aws-sdk/client-rds';
import type { Resource } from '@elava/types';
import { base, compact, iso, required, sorted } from '../normalize.js';
import type { Provider } from '../provider.js';
import { RDS_TAG_WRITES } from '../tag-writes.js';
import { rdsTags } from './rds-tags.js';

export const rdsCluster: Provider<'rds.cluster'> = {
  type: 'rds.cluster',
  service: 'rds',
  cfnType: 'AWS::RDS::DBCluster',
  tagWrites: RDS_TAG_WRITES,
  protection: {
    commands: { ModifyDBCluster: ModifyDBClusterCommand },
    isOn: async (_ctx, r) => r.attributes.deletion_protection === true,
    call: (t) => ({
      service: 'rds',
      operation: 'ModifyDBCluster',
      input: { DBClusterIdentifier: t.nativeId, DeletionProtection: true, ApplyImmediately: true },
    }),
    note: 'deletion protection on',
  },
  operations: ['DescribeDBClusters', 'ListTagsForResource'],
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    for await (const page of paginateDescribeDBClusters(
      { client: ctx.clients.rds, pageSize: ctx.pageSize },
      ids ? { Filters: [{ Name: 'db-cluster-id', Values: [...ids] }] } : {},
    )) {
      const out: Resource<'rds.cluster'>[] = [];
      for (const c of page.DBClusters ?? []) {
        const id = required(c.DBClusterIdentifier, 'DBCluster.DBClusterIdentifier');
        out.push({
          ...base(ctx, 'rds.cluster', id, await rdsTags(ctx, c.DBClusterArn, c.TagList), id),
          status: c.Status ?? 'unknown',
          created_at: iso(c.ClusterCreateTime),
          attributes: compact({
            arn: c.DBClusterArn,
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
