import {
  ListTagsForResourceCommand,
  type LogGroup,
  paginateDescribeLogGroups,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Resource } from '@elava/types';
import { base, compact, iso, required } from '../normalize.js';
import { isNotFound, type Provider, type ScanContext } from '../provider.js';
import { tagResourceWrites } from '../tag-writes.js';

export interface LogsLogGroupAttributes {
  /** The log group's own ARN, without the `:*` that DescribeLogGroups' `arn` ends with. */
  arn: string;
  /** Absent: kept forever. */
  retention_days?: number;
  kms_key_id?: string;
  /** ACTIVATED, DELETED, ARCHIVED, DISABLED; absent when no data protection policy was ever set. */
  data_protection_status?: string;
  log_group_class: string;
  deletion_protection: boolean;
}

async function group(ctx: ScanContext, g: LogGroup): Promise<Resource<'logs.log_group'>> {
  const name = required(g.logGroupName, 'LogGroup.logGroupName');
  const arn = g.logGroupArn ?? required(g.arn, `${name} arn`).replace(/:\*$/, '');
  const { tags } = await ctx.clients.client('logs').send(new ListTagsForResourceCommand({ resourceArn: arn }));
  const attributes = compact({
    arn,
    retention_days: g.retentionInDays,
    kms_key_id: g.kmsKeyId || undefined,
    data_protection_status: g.dataProtectionStatus,
    log_group_class: g.logGroupClass ?? 'STANDARD',
    deletion_protection: g.deletionProtectionEnabled === true,
  }) satisfies LogsLogGroupAttributes;
  return {
    ...base(ctx, 'logs.log_group', name, { ...(tags ?? {}) }, name),
    status: 'active',
    created_at: g.creationTime === undefined ? undefined : iso(new Date(g.creationTime)),
    attributes,
  };
}

async function groups(ctx: ScanContext, list: LogGroup[]): Promise<Resource<'logs.log_group'>[]> {
  const out: Resource<'logs.log_group'>[] = [];
  for (const g of list) {
    // Deleted since it was listed: gone.
    const r = await group(ctx, g).catch((err) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (r) out.push(r);
  }
  return out;
}

/**
 * The native id is the log group's name. Stored bytes and the metric filter count are left out:
 * they move with the logs, not with the group's configuration.
 */
export const logsLogGroup: Provider<'logs.log_group'> = {
  type: 'logs.log_group',
  service: 'logs',
  cfnType: 'AWS::Logs::LogGroup',
  tagWrites: tagResourceWrites(
    'logs',
    { tag: ['TagResource', TagResourceCommand], untag: ['UntagResource', UntagResourceCommand] },
    { arn: 'resourceArn', tags: 'tags', keys: 'tagKeys' },
    'map',
  ),
  operations: ['DescribeLogGroups', 'ListTagsForResource'],
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    const logs = ctx.clients.client('logs');
    if (ids) {
      // By name: the name as a prefix, until the exact one. (logGroupIdentifiers would be exact,
      // but moto does not take it.)
      const found: LogGroup[] = [];
      for (const id of ids) {
        for await (const page of paginateDescribeLogGroups(
          { client: logs, pageSize: 50 },
          { logGroupNamePrefix: id },
        )) {
          const hit = page.logGroups?.find((g) => g.logGroupName === id);
          if (hit) {
            found.push(hit);
            break;
          }
        }
      }
      yield await groups(ctx, found);
      return;
    }
    // 50 is the most the API gives in a page.
    const pageSize = ctx.pageSize === undefined ? undefined : Math.min(ctx.pageSize, 50);
    for await (const page of paginateDescribeLogGroups({ client: logs, pageSize }, {}))
      yield await groups(ctx, page.logGroups ?? []);
  },
};
