import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  paginateListQueues,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import type { Resource } from '@elava/types';
import { base, compact, iso, MalformedResponseError, required, tagsOf } from '../normalize.js';
import type { ApiCall, Provider, ScanContext } from '../provider.js';
import { tagList } from '../tag-writes.js';
import {
  orNone,
  POLICY_LIST_KEYS,
  type PolicyDocument,
  parseJson,
  readEach,
  resourcePolicy,
} from './resource-policy.js';

export interface SqsQueueAttributes {
  arn: string;
  url: string;
  fifo: boolean;
  content_based_deduplication?: boolean;
  deduplication_scope?: string;
  fifo_throughput_limit?: string;
  visibility_timeout_seconds: number;
  message_retention_seconds: number;
  max_message_size_bytes: number;
  delay_seconds: number;
  receive_wait_time_seconds: number;
  /** SSE-SQS (`sqs_managed`) or SSE-KMS (`kms_key_id`); neither is an unencrypted queue. */
  encryption: { sqs_managed: boolean; kms_key_id?: string; kms_data_key_reuse_seconds?: number };
  redrive_policy?: { dead_letter_target_arn: string; max_receive_count: number };
  redrive_allow_policy?: { permission: string; source_queue_arns?: string[] };
  policy?: PolicyDocument;
}

/** The queue's name: the last segment of its URL (and of its ARN). */
const nameOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

const num = (v: string | undefined, what: string) => Number(required(v, what));

/**
 * The queue URL for a tag write, made from the ARN: the executor knows only the ARN and the name,
 * and GetQueueUrl is a read a pure `calls` may not make. `https://sqs.<region>.<domain>/<account>/<name>`
 * is the URL AWS itself gives today (the older `<region>.queue.amazonaws.com` form is also accepted).
 * With an endpoint configured (moto) the SDK sends to that endpoint and the queue is found by the
 * URL's path, so the same URL works there (checked in test/aws/serverless.test.ts).
 */
export function queueUrlFromArn(arn: string): string {
  const [, partition, , region, account, name] = arn.split(':');
  if (!partition || !region || !account || !name) throw new MalformedResponseError(`a queue ARN in ${arn}`);
  const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}

/** One queue in full; undefined when it is gone (deleted since it was listed, or never was). */
async function queue(ctx: ScanContext, url: string): Promise<Resource<'sqs.queue'> | undefined> {
  const sqs = ctx.clients.client('sqs');
  const gone = ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'];
  const [attrs, tagged] = await Promise.all([
    orNone(() => sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })), gone),
    orNone(() => sqs.send(new ListQueueTagsCommand({ QueueUrl: url })), gone),
  ]);
  if (!attrs || !tagged) return undefined;
  const name = nameOf(url);
  const a = attrs.Attributes ?? {};
  const redrive = parseJson(a.RedrivePolicy, `${name} RedrivePolicy`);
  const allow = parseJson(a.RedriveAllowPolicy, `${name} RedriveAllowPolicy`);
  const fifo = a.FifoQueue === 'true';
  // Left out: the ApproximateNumberOfMessages* counters and LastModifiedTimestamp, which move on their own.
  const attributes = compact({
    arn: required(a.QueueArn, `${name} QueueArn`),
    url,
    fifo,
    content_based_deduplication: fifo ? a.ContentBasedDeduplication === 'true' : undefined,
    deduplication_scope: a.DeduplicationScope,
    fifo_throughput_limit: a.FifoThroughputLimit,
    visibility_timeout_seconds: num(a.VisibilityTimeout, `${name} VisibilityTimeout`),
    message_retention_seconds: num(a.MessageRetentionPeriod, `${name} MessageRetentionPeriod`),
    max_message_size_bytes: num(a.MaximumMessageSize, `${name} MaximumMessageSize`),
    delay_seconds: num(a.DelaySeconds, `${name} DelaySeconds`),
    receive_wait_time_seconds: num(a.ReceiveMessageWaitTimeSeconds, `${name} ReceiveMessageWaitTimeSeconds`),
    encryption: compact({
      sqs_managed: a.SqsManagedSseEnabled === 'true',
      kms_key_id: a.KmsMasterKeyId,
      kms_data_key_reuse_seconds:
        a.KmsMasterKeyId && a.KmsDataKeyReusePeriodSeconds ? Number(a.KmsDataKeyReusePeriodSeconds) : undefined,
    }),
    redrive_policy: redrive && {
      dead_letter_target_arn: String(
        required(redrive.deadLetterTargetArn, `${name} RedrivePolicy.deadLetterTargetArn`),
      ),
      max_receive_count: Number(required(redrive.maxReceiveCount, `${name} RedrivePolicy.maxReceiveCount`)),
    },
    redrive_allow_policy:
      allow &&
      compact({
        permission: String(required(allow.redrivePermission, `${name} RedriveAllowPolicy.redrivePermission`)),
        source_queue_arns: Array.isArray(allow.sourceQueueArns) ? allow.sourceQueueArns.map(String).sort() : undefined,
      }),
    policy: resourcePolicy(a.Policy),
  } satisfies SqsQueueAttributes);
  // CreatedTimestamp is epoch seconds (moto adds a fraction).
  const created = a.CreatedTimestamp ? new Date(Math.floor(Number(a.CreatedTimestamp)) * 1000) : undefined;
  return {
    ...base(ctx, 'sqs.queue', name, tagsOf(tagList(tagged.Tags ?? {})), name),
    status: 'active',
    created_at: iso(created),
    attributes,
  };
}

export const sqsQueue: Provider<'sqs.queue'> = {
  type: 'sqs.queue',
  service: 'sqs',
  cfnType: 'AWS::SQS::Queue',
  operations: ['ListQueues', 'GetQueueUrl', 'GetQueueAttributes', 'ListQueueTags'],
  serverSideTagFilter: false,
  listKeys: POLICY_LIST_KEYS,
  tagWrites: {
    writable: true,
    commands: { TagQueue: TagQueueCommand, UntagQueue: UntagQueueCommand },
    calls(t, set, remove) {
      const QueueUrl = queueUrlFromArn(t.arn);
      const calls: ApiCall[] = [];
      if (Object.keys(set).length)
        calls.push({ service: 'sqs', operation: 'TagQueue', input: { QueueUrl, Tags: { ...set } } });
      if (Object.keys(remove).length)
        calls.push({ service: 'sqs', operation: 'UntagQueue', input: { QueueUrl, TagKeys: Object.keys(remove) } });
      return calls;
    },
  },
  async *pages(ctx, _filter, ids) {
    const sqs = ctx.clients.client('sqs');
    if (ids) {
      const urls = await readEach(ids, async (QueueName) => {
        const r = await orNone(
          () => sqs.send(new GetQueueUrlCommand({ QueueName })),
          ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'],
        );
        return r && required(r.QueueUrl, `${QueueName} QueueUrl`);
      });
      yield await readEach(urls, (url) => queue(ctx, url));
      return;
    }
    // Without MaxResults, ListQueues answers with at most 1000 queues and no token to go on.
    for await (const page of paginateListQueues({ client: sqs, pageSize: ctx.pageSize ?? 1000 }, {})) {
      yield await readEach(page.QueueUrls ?? [], (url) => queue(ctx, url));
    }
  },
};
