import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type KeySchemaElement,
  ListTagsOfResourceCommand,
  type Projection,
  paginateListTables,
  type Tag,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-dynamodb';
import type { Resource } from '@elava/types';
import { base, byKey, compact, iso, required, sorted, tagsOf } from '../normalize.js';
import { isNotFound, type Provider, type ScanContext } from '../provider.js';
import { tagResourceWrites } from '../tag-writes.js';

export interface DynamodbKeySchema {
  partition_key: string;
  sort_key?: string;
}

export interface DynamodbIndex {
  name: string;
  key_schema: DynamodbKeySchema;
  projection_type: string;
  non_key_attributes?: string[];
  /** Global indexes only. */
  read_capacity_units?: number;
  write_capacity_units?: number;
}

export interface DynamodbTableAttributes {
  arn: string;
  key_schema: DynamodbKeySchema;
  /** Attribute name → scalar type (S, N, B). */
  attribute_definitions: Record<string, string>;
  billing_mode: string;
  /** The configured units only: the decrease counter and the last change times move on their own. */
  read_capacity_units: number;
  write_capacity_units: number;
  global_secondary_indexes: DynamodbIndex[];
  local_secondary_indexes: DynamodbIndex[];
  stream: { enabled: boolean; view_type?: string };
  encryption: { type: string; status?: string; kms_key_arn?: string };
  point_in_time_recovery: { enabled: boolean; recovery_period_days?: number };
  ttl: { status: string; attribute_name?: string };
  deletion_protection: boolean;
  table_class: string;
  replica_regions: string[];
}

function keySchema(elements: KeySchemaElement[] | undefined, what: string): DynamodbKeySchema {
  const hash = elements?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const range = elements?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  return compact({ partition_key: required(hash, `${what} HASH key`), sort_key: range });
}

function projection(p: Projection | undefined) {
  return {
    projection_type: p?.ProjectionType ?? 'ALL',
    non_key_attributes: p?.NonKeyAttributes && sorted(p.NonKeyAttributes),
  };
}

async function tagsOfTable(ctx: ScanContext, arn: string): Promise<Record<string, string>> {
  const all: Tag[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.clients
      .client('dynamodb')
      .send(new ListTagsOfResourceCommand({ ResourceArn: arn, NextToken: token }));
    all.push(...(page.Tags ?? []));
    token = page.NextToken;
  } while (token);
  return tagsOf(all);
}

/** One table as it is now; undefined when it is gone (deleted since it was listed, or never was). */
async function table(ctx: ScanContext, name: string): Promise<Resource<'dynamodb.table'> | undefined> {
  const db = ctx.clients.client('dynamodb');
  try {
    const [described, backups, ttl] = await Promise.all([
      db.send(new DescribeTableCommand({ TableName: name })),
      db.send(new DescribeContinuousBackupsCommand({ TableName: name })),
      db.send(new DescribeTimeToLiveCommand({ TableName: name })),
    ]);
    const t = required(described.Table, `${name} Table`);
    const arn = required(t.TableArn, `${name} TableArn`);
    const tags = await tagsOfTable(ctx, arn);
    const pitr = backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    const attributes = {
      arn,
      key_schema: keySchema(t.KeySchema, name),
      attribute_definitions: Object.fromEntries(
        byKey(t.AttributeDefinitions ?? [], (a) => a.AttributeName ?? '').map((a) => [
          required(a.AttributeName, `${name} AttributeName`),
          required(a.AttributeType, `${name} AttributeType`),
        ]),
      ),
      billing_mode: t.BillingModeSummary?.BillingMode ?? 'PROVISIONED',
      read_capacity_units: t.ProvisionedThroughput?.ReadCapacityUnits ?? 0,
      write_capacity_units: t.ProvisionedThroughput?.WriteCapacityUnits ?? 0,
      global_secondary_indexes: byKey(
        (t.GlobalSecondaryIndexes ?? []).map((i) => {
          const index = required(i.IndexName, `${name} IndexName`);
          return compact({
            name: index,
            key_schema: keySchema(i.KeySchema, `${name}/${index}`),
            ...projection(i.Projection),
            read_capacity_units: i.ProvisionedThroughput?.ReadCapacityUnits,
            write_capacity_units: i.ProvisionedThroughput?.WriteCapacityUnits,
          });
        }),
        (i) => i.name,
      ),
      local_secondary_indexes: byKey(
        (t.LocalSecondaryIndexes ?? []).map((i) => {
          const index = required(i.IndexName, `${name} IndexName`);
          return compact({
            name: index,
            key_schema: keySchema(i.KeySchema, `${name}/${index}`),
            ...projection(i.Projection),
          });
        }),
        (i) => i.name,
      ),
      stream: compact({
        enabled: t.StreamSpecification?.StreamEnabled === true,
        view_type: t.StreamSpecification?.StreamEnabled ? t.StreamSpecification.StreamViewType : undefined,
      }),
      // No SSEDescription means the default: encrypted with a key AWS owns.
      encryption: compact({
        type: t.SSEDescription?.SSEType ?? 'AWS_OWNED',
        status: t.SSEDescription?.Status,
        kms_key_arn: t.SSEDescription?.KMSMasterKeyArn,
      }),
      point_in_time_recovery: compact({
        enabled: pitr?.PointInTimeRecoveryStatus === 'ENABLED',
        recovery_period_days: pitr?.PointInTimeRecoveryStatus === 'ENABLED' ? pitr.RecoveryPeriodInDays : undefined,
      }),
      ttl: compact({
        status: ttl.TimeToLiveDescription?.TimeToLiveStatus ?? 'DISABLED',
        attribute_name: ttl.TimeToLiveDescription?.AttributeName,
      }),
      deletion_protection: t.DeletionProtectionEnabled === true,
      table_class: t.TableClassSummary?.TableClass ?? 'STANDARD',
      replica_regions: sorted(t.Replicas?.map((r) => r.RegionName)),
    } satisfies DynamodbTableAttributes;
    return {
      ...base(ctx, 'dynamodb.table', name, tags, name),
      status: (t.TableStatus ?? 'unknown').toLowerCase(),
      created_at: iso(t.CreationDateTime),
      attributes,
    };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** One table after the other: each is already four calls, and the rate budget is shared. */
async function tables(ctx: ScanContext, names: readonly string[]): Promise<Resource<'dynamodb.table'>[]> {
  const out: Resource<'dynamodb.table'>[] = [];
  for (const name of names) {
    const r = await table(ctx, name);
    if (r) out.push(r);
  }
  return out;
}

export const dynamodbTable: Provider<'dynamodb.table'> = {
  type: 'dynamodb.table',
  service: 'dynamodb',
  cfnType: 'AWS::DynamoDB::Table',
  listKeys: {
    'attributes.global_secondary_indexes': 'name',
    'attributes.local_secondary_indexes': 'name',
  },
  tagWrites: tagResourceWrites(
    'dynamodb',
    { tag: ['TagResource', TagResourceCommand], untag: ['UntagResource', UntagResourceCommand] },
    { arn: 'ResourceArn', tags: 'Tags', keys: 'TagKeys' },
    'list',
  ),
  operations: ['ListTables', 'DescribeTable', 'DescribeContinuousBackups', 'DescribeTimeToLive', 'ListTagsOfResource'],
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    // Asked by name, DescribeTable answers directly; a table that is not there is simply absent.
    if (ids) {
      yield await tables(ctx, ids);
      return;
    }
    for await (const page of paginateListTables({ client: ctx.clients.client('dynamodb'), pageSize: ctx.pageSize }, {}))
      yield await tables(ctx, page.TableNames ?? []);
  },
};
