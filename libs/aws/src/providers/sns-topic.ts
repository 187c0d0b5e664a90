import {
  GetTopicAttributesCommand,
  ListTagsForResourceCommand,
  paginateListTopics,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sns';
import type { Resource } from '@elava/types';
import { base, compact, required, tagsOf } from '../normalize.js';
import { arnOf, isNotFound, type Provider, type ScanContext } from '../provider.js';
import { tagResourceWrites } from '../tag-writes.js';
import { POLICY_LIST_KEYS, type PolicyDocument, parseJson, readEach, resourcePolicy } from './resource-policy.js';

export interface SnsTopicAttributes {
  arn: string;
  display_name?: string;
  fifo: boolean;
  content_based_deduplication?: boolean;
  /** Absent: not encrypted at rest. */
  kms_master_key_id?: string;
  signature_version?: string;
  tracing_config?: string;
  /** The topic's own DeliveryPolicy as set (the derived EffectiveDeliveryPolicy is left out). */
  delivery_policy?: Record<string, unknown>;
  archive_policy?: Record<string, unknown>;
  policy?: PolicyDocument;
}

/** The topic's name: the last segment of its ARN. */
const nameOf = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);

/** One topic in full; undefined when it is gone (deleted since it was listed, or never was). */
async function topic(ctx: ScanContext, arn: string): Promise<Resource<'sns.topic'> | undefined> {
  const sns = ctx.clients.client('sns');
  const name = nameOf(arn);
  try {
    const [attrs, tagged] = await Promise.all([
      sns.send(new GetTopicAttributesCommand({ TopicArn: arn })),
      sns.send(new ListTagsForResourceCommand({ ResourceArn: arn })),
    ]);
    const a = attrs.Attributes ?? {};
    const fifo = a.FifoTopic === 'true';
    // Left out: SubscriptionsConfirmed/Pending/Deleted, counters that move on their own.
    const attributes = compact({
      arn: required(a.TopicArn, `${name} TopicArn`),
      display_name: a.DisplayName || undefined,
      fifo,
      content_based_deduplication: fifo ? a.ContentBasedDeduplication === 'true' : undefined,
      kms_master_key_id: a.KmsMasterKeyId || undefined,
      signature_version: a.SignatureVersion,
      tracing_config: a.TracingConfig,
      delivery_policy: parseJson(a.DeliveryPolicy, `${name} DeliveryPolicy`),
      archive_policy: parseJson(a.ArchivePolicy, `${name} ArchivePolicy`),
      policy: resourcePolicy(a.Policy),
    } satisfies SnsTopicAttributes);
    return {
      ...base(ctx, 'sns.topic', name, tagsOf(tagged.Tags), name),
      status: 'active',
      attributes,
    };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export const snsTopic: Provider<'sns.topic'> = {
  type: 'sns.topic',
  service: 'sns',
  cfnType: 'AWS::SNS::Topic',
  operations: ['ListTopics', 'GetTopicAttributes', 'ListTagsForResource'],
  serverSideTagFilter: false,
  listKeys: POLICY_LIST_KEYS,
  tagWrites: tagResourceWrites(
    'sns',
    { tag: ['TagResource', TagResourceCommand], untag: ['UntagResource', UntagResourceCommand] },
    { arn: 'ResourceArn', tags: 'Tags', keys: 'TagKeys' },
    'list',
  ),
  async *pages(ctx, _filter, ids) {
    if (ids) {
      // A topic's ARN is its name in this account and region: asked for directly, not listed.
      yield await readEach(ids, (name) => topic(ctx, arnOf(ctx, 'sns', name)));
      return;
    }
    // ListTopics takes no page size: AWS answers 100 at a time.
    for await (const page of paginateListTopics({ client: ctx.clients.client('sns') }, {})) {
      const arns = (page.Topics ?? []).map((t) => required(t.TopicArn, 'Topic.TopicArn'));
      yield await readEach(arns, (arn) => topic(ctx, arn));
    }
  },
};
