import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseEnvelope } from '@elava/events';
import { describe, expect, it } from 'vitest';
import { deployStack } from '../support/cloudformation.js';
import { ACCOUNT, iamUser, record } from '../support/cloudtrail.js';
import { EventBridge } from '../support/eventbridge.js';
import { awsClientConfig, infra, unique } from '../support/infra.js';

/**
 * The CloudFormation templates of docs/events, deployed on moto: the rules take exactly what Elava
 * reads (writes that succeeded, EC2 state changes) to the queue, with the dead-letter queue's
 * redrive in place; the central-bus variant forwards a member's events to the one queue.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const template = (name: string) => readFileSync(join(ROOT, 'docs/events', name), 'utf8');
const CFN_LINT = join(ROOT, '.elava/venv/bin/cfn-lint');

async function drain(sqs: SQSClient, url: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (;;) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    if (!r.Messages?.length) return out;
    for (const m of r.Messages) out.push(JSON.parse(m.Body ?? '{}'));
  }
}

const sent = (o: Parameters<typeof record>[0]) => {
  const d = record(o);
  return {
    source: `aws.${String(d.eventSource).split('.')[0]}`,
    'detail-type': 'AWS API Call via CloudTrail',
    detail: d,
  };
};

describe('docs/events CloudFormation templates', () => {
  // moto[server] brings cfn-lint into the project's venv; a moto run elsewhere (Docker) has none.
  it.skipIf(!existsSync(CFN_LINT))('pass cfn-lint', () => {
    const r = spawnSync(CFN_LINT, ['account-region.yaml', 'central.yaml', 'member.yaml'], {
      cwd: join(ROOT, 'docs/events'),
      encoding: 'utf8',
    });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });

  it('per account and region: writes that succeeded and EC2 state changes reach the queue, nothing else', async () => {
    const region = 'eu-west-1';
    const out = await deployStack(infra().moto, {
      region,
      name: unique('elava-events-stack'),
      template: template('account-region.yaml'),
      parameters: { ConsumerPrincipalArn: `arn:aws:iam::${ACCOUNT}:role/elava`, QueueName: unique('elava-events') },
    });
    expect(out.ElavaConfig).toBe(
      `{ url: "${out.QueueUrl}", account: "${ACCOUNT}", region: ${region}, dlq_url: "${out.DeadLetterQueueUrl}" }`,
    );
    const sqs = new SQSClient(awsClientConfig(region));
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: out.QueueUrl, AttributeNames: ['All'] }));
    expect(JSON.parse(attrs.Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ maxReceiveCount: 5 });
    expect(attrs.Attributes?.ReceiveMessageWaitTimeSeconds).toBe('20');
    const bridge = new EventBridge(infra().moto, region);
    const who = iamUser('ops');
    await bridge.putEvents([
      sent({ source: 'ec2.amazonaws.com', name: 'CreateTags', identity: who, region }),
      sent({ source: 'ec2.amazonaws.com', name: 'CreateTags', identity: who, region, errorCode: 'AccessDenied' }),
      sent({ source: 'ec2.amazonaws.com', name: 'DescribeInstances', identity: who, region, readOnly: true }),
      sent({ source: 'dynamodb.amazonaws.com', name: 'UpdateTable', identity: who, region }),
      {
        source: 'aws.ec2',
        'detail-type': 'EC2 Instance State-change Notification',
        detail: { 'instance-id': 'i-1', state: 'stopped' },
      },
    ]);
    const got = (await drain(sqs, out.QueueUrl as string)).map((b) => parseEnvelope(JSON.stringify(b)));
    expect(got.map((e) => `${e.detailType} ${String(e.detail.eventName ?? e.detail.state)}`).sort()).toEqual([
      'AWS API Call via CloudTrail CreateTags',
      'EC2 Instance State-change Notification stopped',
    ]);
    sqs.destroy();
  });

  it('central bus: a member account forwards to the central bus, whose rule fills the one queue', async () => {
    const region = 'eu-central-1';
    const central = await deployStack(infra().moto, {
      region,
      name: unique('elava-central'),
      template: template('central.yaml'),
      parameters: {
        ConsumerPrincipalArn: `arn:aws:iam::${ACCOUNT}:role/elava`,
        OrganizationId: 'o-abcdefghij',
        BusName: unique('elava-bus'),
      },
    });
    await deployStack(infra().moto, {
      region,
      name: unique('elava-member'),
      template: template('member.yaml'),
      parameters: { CentralBusArn: central.EventBusArn as string },
    });
    const bridge = new EventBridge(infra().moto, region);
    await bridge.putEvents([
      sent({
        source: 'iam.amazonaws.com',
        name: 'TagRole',
        identity: iamUser('ops'),
        region,
        request: { roleName: 'r' },
      }),
      sent({ source: 'iam.amazonaws.com', name: 'GetRole', identity: iamUser('ops'), region, readOnly: true }),
    ]);
    const sqs = new SQSClient(awsClientConfig(region));
    const got = (await drain(sqs, central.QueueUrl as string)).map((b) => parseEnvelope(JSON.stringify(b)));
    expect(got.map((e) => e.detail.eventName)).toEqual(['TagRole']);
    sqs.destroy();
  });
});
