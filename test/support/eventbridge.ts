import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * EventBridge on moto, for the events tests: PutRule, PutTargets and PutEvents over its JSON
 * protocol, signed like the SDK signs (the project carries no EventBridge client; moto reads the
 * region from the signature). moto delivers what a rule matches to its SQS targets.
 */

const bytes = (d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof d === 'string'
    ? d
    : d instanceof ArrayBuffer
      ? new Uint8Array(d)
      : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

/** One AWS API request signed as the SDK signs it, to moto (the region is read from the signature). */
export async function signedPost(
  endpoint: string,
  o: { service: string; region: string; headers: Record<string, string>; body: string },
): Promise<{ status: number; text: string }> {
  const url = new URL(endpoint);
  const signer = new SignatureV4({
    service: o.service,
    region: o.region,
    sha256: Sha256,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: '/',
    headers: { host: url.host, ...o.headers },
    body: o.body,
  });
  const res = await fetch(new URL('/', url), { method: 'POST', headers: signed.headers, body: o.body });
  return { status: res.status, text: await res.text() };
}

export class EventBridge {
  constructor(
    private readonly endpoint: string,
    private readonly region = 'us-east-1',
  ) {}

  async call<T = Record<string, unknown>>(action: string, input: Record<string, unknown>): Promise<T> {
    const { status, text } = await signedPost(this.endpoint, {
      service: 'events',
      region: this.region,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSEvents.${action}` },
      body: JSON.stringify(input),
    });
    if (status >= 300) throw new Error(`EventBridge ${action} answered ${status}: ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** A rule on the default bus matching `pattern`, delivering to the queue `queueArn`. */
  async ruleToQueue(name: string, pattern: Record<string, unknown>, queueArn: string): Promise<void> {
    await this.call('PutRule', { Name: name, EventPattern: JSON.stringify(pattern), State: 'ENABLED' });
    const out = await this.call<{ FailedEntryCount?: number }>('PutTargets', {
      Rule: name,
      Targets: [{ Id: 'elava', Arn: queueArn }],
    });
    if (out.FailedEntryCount) throw new Error(`PutTargets failed: ${JSON.stringify(out)}`);
  }

  /** Sends events as AWS would have: `source`, `detail-type` and `detail` of each envelope. */
  async putEvents(envelopes: Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < envelopes.length; i += 10) {
      const out = await this.call<{ FailedEntryCount?: number; Entries?: unknown[] }>('PutEvents', {
        Entries: envelopes.slice(i, i + 10).map((e) => ({
          Source: e.source,
          DetailType: e['detail-type'],
          Detail: JSON.stringify(e.detail),
          Resources: e.resources ?? [],
        })),
      });
      if (out.FailedEntryCount) throw new Error(`PutEvents failed: ${JSON.stringify(out.Entries)}`);
    }
  }
}

/** The EventBridge patterns of docs/events (two rules: CloudTrail writes, EC2 state changes). */
export const ELAVA_PATTERNS = [
  { 'detail-type': ['AWS API Call via CloudTrail'], detail: { readOnly: [false] } },
  { 'detail-type': ['EC2 Instance State-change Notification'], source: ['aws.ec2'] },
];
