import { z } from 'zod';

/** The detail types the service understands; anything else is counted and dropped. */
export const CLOUDTRAIL_API_CALL = 'AWS API Call via CloudTrail';
export const EC2_STATE_CHANGE = 'EC2 Instance State-change Notification';

/**
 * An EventBridge event as a rule's SQS target receives it. `account` is absent on events sent with
 * PutEvents by some emulators; CloudTrail's `recipientAccountId` then says whose event it is.
 */
const envelopeSchema = z.object({
  version: z.string().optional(),
  id: z.string().min(1, 'id is empty'),
  'detail-type': z.string().min(1, 'detail-type is empty'),
  source: z.string().min(1, 'source is empty'),
  account: z.string().optional(),
  time: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).default([]),
  detail: z.record(z.string(), z.unknown()),
});

export interface AwsEvent {
  id: string;
  detailType: string;
  source: string;
  account?: string;
  region?: string;
  time?: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export class MalformedEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedEventError';
  }
}

/**
 * The EventBridge event in an SQS message body; an SNS notification around it (a rule that targets
 * a topic the queue subscribes to) is unwrapped. Throws MalformedEventError naming the problem.
 */
export function parseEnvelope(body: string): AwsEvent {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    throw new MalformedEventError(`not JSON: ${(err as Error).message}`);
  }
  const sns = value as { Type?: unknown; Message?: unknown } | null;
  if (sns && sns.Type === 'Notification' && typeof sns.Message === 'string') return parseEnvelope(sns.Message);
  const r = envelopeSchema.safeParse(value);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    throw new MalformedEventError(`not an EventBridge event: ${problems.join('; ')}`);
  }
  const e = r.data;
  return {
    id: e.id,
    detailType: e['detail-type'],
    source: e.source,
    resources: e.resources,
    detail: e.detail,
    ...(e.account ? { account: e.account } : {}),
    ...(e.region ? { region: e.region } : {}),
    ...(e.time ? { time: e.time } : {}),
  };
}

/** The CloudTrail record in an "AWS API Call via CloudTrail" event: the fields read here. */
const cloudTrailSchema = z.object({
  eventSource: z.string().min(1, 'eventSource is empty'),
  eventName: z.string().min(1, 'eventName is empty'),
  eventTime: z.string().optional(),
  awsRegion: z.string().optional(),
  recipientAccountId: z.string().optional(),
  readOnly: z.boolean().optional(),
  errorCode: z.string().optional(),
  eventID: z.string().optional(),
  requestID: z.string().optional(),
  sourceIPAddress: z.string().optional(),
  userAgent: z.string().optional(),
  userIdentity: z.record(z.string(), z.unknown()).optional(),
  requestParameters: z.record(z.string(), z.unknown()).nullable().optional(),
  responseElements: z.record(z.string(), z.unknown()).nullable().optional(),
});

export type CloudTrailRecord = z.infer<typeof cloudTrailSchema>;

export function parseCloudTrail(detail: Record<string, unknown>): CloudTrailRecord {
  const r = cloudTrailSchema.safeParse(detail);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `detail.${i.path.join('.')}: ${i.message}`);
  throw new MalformedEventError(`not a CloudTrail record: ${problems.join('; ')}`);
}

/**
 * CloudTrail names some API versions into the event name (Lambda's
 * `UpdateFunctionConfiguration20150331v2`): the plain operation name.
 */
export function operationName(eventName: string): string {
  return eventName.replace(/\d{8}(v\d+)?$/, '');
}
