import {
  AddTagsCommand,
  type AdvancedEventSelector,
  DescribeTrailsCommand,
  type EventSelector,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  paginateListTags,
  RemoveTagsCommand,
  type Tag,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import type { Resource } from '@elava/types';
import { base, byKey, compact, required, sorted, tagsOf } from '../normalize.js';
import { isNotFound, type Provider, type ScanContext } from '../provider.js';
import { tagList } from '../tag-writes.js';

export interface CloudtrailEventSelector {
  read_write_type: string;
  include_management_events: boolean;
  exclude_management_event_sources: string[];
  data_resources: { type: string; values: string[] }[];
}

export interface CloudtrailAdvancedEventSelector {
  name?: string;
  field_selectors: { field: string; [operator: string]: string[] | string }[];
}

export interface CloudtrailTrailAttributes {
  arn: string;
  home_region: string;
  is_multi_region_trail: boolean;
  is_organization_trail: boolean;
  include_global_service_events: boolean;
  log_file_validation_enabled: boolean;
  s3_bucket_name?: string;
  s3_key_prefix?: string;
  sns_topic_arn?: string;
  kms_key_id?: string;
  cloud_watch_logs_log_group_arn?: string;
  cloud_watch_logs_role_arn?: string;
  has_insight_selectors: boolean;
  /** GetTrailStatus's IsLogging alone: its delivery times move on every read. */
  is_logging: boolean;
  /** Basic and advanced selectors, each in a stable order; a trail has one kind or the other. */
  event_selectors: CloudtrailEventSelector[];
  advanced_event_selectors: CloudtrailAdvancedEventSelector[];
}

const byContent = <T>(items: T[]) => byKey(items, (i) => JSON.stringify(i));

function basic(s: EventSelector): CloudtrailEventSelector {
  return {
    read_write_type: s.ReadWriteType ?? 'All',
    include_management_events: s.IncludeManagementEvents !== false,
    exclude_management_event_sources: sorted(s.ExcludeManagementEventSources),
    data_resources: byContent(
      (s.DataResources ?? []).map((d) => ({ type: required(d.Type, 'DataResource.Type'), values: sorted(d.Values) })),
    ),
  };
}

function advanced(s: AdvancedEventSelector): CloudtrailAdvancedEventSelector {
  const fields = (s.FieldSelectors ?? []).map((f) => {
    const { Field, ...operators } = f;
    const out: CloudtrailAdvancedEventSelector['field_selectors'][number] = {
      field: required(Field, 'AdvancedFieldSelector.Field'),
    };
    for (const [op, values] of Object.entries(operators))
      if (Array.isArray(values)) out[op.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()] = sorted(values);
    return out;
  });
  return compact({ name: s.Name || undefined, field_selectors: byContent(fields) });
}

async function tagsOfTrail(ctx: ScanContext, arn: string): Promise<Record<string, string>> {
  const all: Tag[] = [];
  for await (const page of paginateListTags({ client: ctx.clients.client('cloudtrail') }, { ResourceIdList: [arn] }))
    for (const r of page.ResourceTagList ?? []) all.push(...(r.TagsList ?? []));
  return tagsOf(all);
}

async function trail(ctx: ScanContext, t: Trail): Promise<Resource<'cloudtrail.trail'>> {
  const ct = ctx.clients.client('cloudtrail');
  const name = required(t.Name, 'Trail.Name');
  const arn = required(t.TrailARN, `${name} TrailARN`);
  const [status, selectors, tags] = await Promise.all([
    ct.send(new GetTrailStatusCommand({ Name: arn })),
    ct.send(new GetEventSelectorsCommand({ TrailName: arn })),
    tagsOfTrail(ctx, arn),
  ]);
  const isLogging = status.IsLogging === true;
  const attributes = compact({
    arn,
    home_region: required(t.HomeRegion, `${name} HomeRegion`),
    is_multi_region_trail: t.IsMultiRegionTrail === true,
    is_organization_trail: t.IsOrganizationTrail === true,
    include_global_service_events: t.IncludeGlobalServiceEvents === true,
    log_file_validation_enabled: t.LogFileValidationEnabled === true,
    s3_bucket_name: t.S3BucketName || undefined,
    s3_key_prefix: t.S3KeyPrefix || undefined,
    sns_topic_arn: t.SnsTopicARN || undefined,
    kms_key_id: t.KmsKeyId || undefined,
    cloud_watch_logs_log_group_arn: t.CloudWatchLogsLogGroupArn || undefined,
    cloud_watch_logs_role_arn: t.CloudWatchLogsRoleArn || undefined,
    has_insight_selectors: t.HasInsightSelectors === true,
    is_logging: isLogging,
    event_selectors: byContent((selectors.EventSelectors ?? []).map(basic)),
    advanced_event_selectors: byContent((selectors.AdvancedEventSelectors ?? []).map(advanced)),
  }) satisfies CloudtrailTrailAttributes;
  return {
    ...base(ctx, 'cloudtrail.trail', name, tags, name),
    status: isLogging ? 'logging' : 'stopped',
    attributes,
  };
}

async function describe(ctx: ScanContext, name?: string): Promise<Trail[]> {
  try {
    const out = await ctx.clients
      .client('cloudtrail')
      .send(new DescribeTrailsCommand({ includeShadowTrails: false, trailNameList: name ? [name] : undefined }));
    return out.trailList ?? [];
  } catch (err) {
    if (name && isNotFound(err)) return [];
    throw err;
  }
}

/**
 * The trails whose home is the scope's region: a multi-region trail appears in every region as a
 * shadow, and is recorded once, in its home region. The native id is the trail's name.
 */
export const cloudtrailTrail: Provider<'cloudtrail.trail'> = {
  type: 'cloudtrail.trail',
  service: 'cloudtrail',
  cfnType: 'AWS::CloudTrail::Trail',
  tagWrites: {
    writable: true,
    commands: { AddTags: AddTagsCommand, RemoveTags: RemoveTagsCommand },
    calls(t, set, remove) {
      const calls = [];
      if (Object.keys(set).length)
        calls.push({
          service: 'cloudtrail' as const,
          operation: 'AddTags',
          input: { ResourceId: t.arn, TagsList: tagList(set) },
        });
      // With the value given, the tag is removed only if it still has that value.
      if (Object.keys(remove).length)
        calls.push({
          service: 'cloudtrail' as const,
          operation: 'RemoveTags',
          input: { ResourceId: t.arn, TagsList: tagList(remove) },
        });
      return calls;
    },
  },
  operations: ['DescribeTrails', 'GetTrailStatus', 'GetEventSelectors', 'ListTags'],
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    // DescribeTrails is not paginated: one answer holds every trail of the region. Asked by name,
    // one call per name, so that a trail that is not there (an error) hides no other.
    const described = ids ? (await Promise.all(ids.map((id) => describe(ctx, id)))).flat() : await describe(ctx);
    // By name: the names asked for only (an emulator may answer with every trail), each once.
    const trails = new Map(described.map((t) => [t.Name, t]));
    const out: Resource<'cloudtrail.trail'>[] = [];
    for (const [name, t] of trails) {
      if (t.HomeRegion !== undefined && t.HomeRegion !== ctx.region) continue;
      if (ids && !ids.includes(name ?? '')) continue;
      const r = await trail(ctx, t).catch((err) => {
        // Deleted since it was described: gone.
        if (isNotFound(err)) return undefined;
        throw err;
      });
      if (r) out.push(r);
    }
    yield out;
  },
};
