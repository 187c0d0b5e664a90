import { ModifyDBInstanceCommand, paginateDescribeDBInstances } from '@aws-sdk/client-rds';
import type { Resource } from '@elava/types';
import { base, compact, iso, required } from '../normalize.js';
import type { Provider } from '../provider.js';
import { RDS_TAG_WRITES } from '../tag-writes.js';
import { rdsTags } from './rds-tags.js';

export const rdsInstance: Provider<'rds.instance'> = {
  type: 'rds.instance',
  service: 'rds',
  cfnType: 'AWS::RDS::DBInstance',
  tagWrites: RDS_TAG_WRITES,
  protection: {
    commands: { ModifyDBInstance: ModifyDBInstanceCommand },
    isOn: async (_ctx, r) => r.attributes.deletion_protection === true,
    call: (t) => ({
      service: 'rds',
      operation: 'ModifyDBInstance',
      input: { DBInstanceIdentifier: t.nativeId, DeletionProtection: true, ApplyImmediately: true },
    }),
    note: 'deletion protection on',
  },
  operations: ['DescribeDBInstances', 'ListTagsForResource'],
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    for await (const page of paginateDescribeDBInstances(
      { client: ctx.clients.rds, pageSize: ctx.pageSize },
      ids ? { Filters: [{ Name: 'db-instance-id', Values: [...ids] }] } : {},
    )) {
      const out: Resource<'rds.instance'>[] = [];
      for (const d of page.DBInstances ?? []) {
        const id = required(d.DBInstanceIdentifier, 'DBInstance.DBInstanceIdentifier');
        const tags = await rdsTags(ctx, d.DBInstanceArn, d.TagList);
        out.push({
          ...base(ctx, 'rds.instance', id, tags, id),
          status: d.DBInstanceStatus ?? 'unknown',
          created_at: iso(d.InstanceCreateTime),
          attributes: compact({
            arn: d.DBInstanceArn,
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
