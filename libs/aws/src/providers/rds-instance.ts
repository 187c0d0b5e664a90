import { paginateDescribeDBInstances } from '@aws-sdk/client-rds';
import type { Resource } from '@elava/types';
import { base, compact, iso, required } from '../normalize.js';
import type { Provider } from '../provider.js';
import { rdsTags } from './rds-tags.js';

export const rdsInstance: Provider<'rds.instance'> = {
  type: 'rds.instance',
  service: 'rds',
  operations: ['DescribeDBInstances', 'ListTagsForResource'],
  serverSideTagFilter: false,
  async *pages(ctx) {
    for await (const page of paginateDescribeDBInstances({ client: ctx.clients.rds, pageSize: ctx.pageSize }, {})) {
      const out: Resource<'rds.instance'>[] = [];
      for (const d of page.DBInstances ?? []) {
        const id = required(d.DBInstanceIdentifier, 'DBInstance.DBInstanceIdentifier');
        const tags = await rdsTags(ctx, d.DBInstanceArn, d.TagList);
        out.push({
          ...base(ctx, 'rds.instance', id, tags, id),
          status: d.DBInstanceStatus ?? 'unknown',
          created_at: iso(d.InstanceCreateTime),
          attributes: compact({
            engine: d.Engine ?? 'unknown',
            engine_version: d.EngineVersion,
            instance_class: required(d.DBInstanceClass, `${id} DBInstanceClass`),
            status: d.DBInstanceStatus ?? 'unknown',
            allocated_storage_gib: d.AllocatedStorage ?? 0,
            storage_type: d.StorageType,
            storage_encrypted: d.StorageEncrypted === true,
            publicly_accessible: d.PubliclyAccessible === true,
            multi_az: d.MultiAZ === true,
            deletion_protection: d.DeletionProtection === true,
            cluster_id: d.DBClusterIdentifier,
            vpc_id: d.DBSubnetGroup?.VpcId,
            backup_retention_days: d.BackupRetentionPeriod,
          }),
        });
      }
      yield out;
    }
  },
};
