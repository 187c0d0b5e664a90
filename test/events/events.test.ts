import {
  AuthorizeSecurityGroupIngressCommand,
  CreateTagsCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, DeleteBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Routed } from '@elava/events';
import type { Actor, PublishedChange } from '@elava/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  assumedRole,
  attachRolePolicy,
  authorizeIngress,
  createTags,
  envelope,
  iamUser,
  identityCenterSession,
  identityCenterUser,
  putBucketPolicy,
  record,
  terminateInstances,
  updateFunctionConfiguration,
} from '../support/cloudtrail.js';
import { startEventPath, until } from '../support/events.js';
import { awsClientConfig, infra } from '../support/infra.js';
import { resetMoto, seedRegion } from '../support/seed.js';
import { useStage } from '../support/stage.js';

/**
 * Issue 15 on moto: EventBridge rules (PutRule/PutTargets) deliver to an SQS queue; events are
 * sent with PutEvents in the documented CloudTrail shapes (moto does not emit them itself), the
 * events service long-polls the queue, and each change is recorded within seconds with who made
 * it, with no sweep in between.
 */

const TYPES = ['ec2.instance', 'ec2.security_group', 's3.bucket', 'iam.role', 'lambda.function'] as const;
const ZIP = Buffer.from(
  'UEsDBBQAAAAIAAAAIQD3j2XWDwAAAA0AAAAIAAAAaW5kZXguanPLzE1MTszLzEsBAFBLAQIUABQAAAAIAAAAIQD3j2XWDwAAAA0AAAAIAAAAAAAAAAAAAAAAAAAAAABpbmRleC5qc1BLBQYAAAAAAQABADYAAAA1AAAAAAA=',
  'base64',
);
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app-role`;
const POLICY_ARN = `arn:aws:iam::${ACCOUNT}:policy/app-read`;

describe('events: a change within seconds, and who made it', () => {
  const clients = {
    ec2: new EC2Client(awsClientConfig()),
    s3: new S3Client({ ...awsClientConfig(), forcePathStyle: true }),
    iam: new IAMClient(awsClientConfig()),
    lambda: new LambdaClient(awsClientConfig()),
  };
  let seeded: Awaited<ReturnType<typeof seedRegion>>;
  let doomed: string;
  const stage = useStage(async () => {
    await resetMoto(infra().moto);
    seeded = await seedRegion(infra().moto, 'us-east-1', { volumes: 1 });
    doomed = (
      await clients.ec2.send(
        new RunInstancesCommand({ ImageId: 'ami-12c6146b', InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 }),
      )
    ).Instances![0]!.InstanceId!;
    for (const Bucket of ['events-policy', 'events-stays', 'events-goes'])
      await clients.s3.send(new CreateBucketCommand({ Bucket }));
    await clients.iam.send(new CreateRoleCommand({ RoleName: 'app-role', AssumeRolePolicyDocument: TRUST }));
    await clients.iam.send(
      new CreatePolicyCommand({
        PolicyName: 'app-read',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
        }),
      }),
    );
    await clients.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'resize',
        Runtime: 'python3.12',
        Role: ROLE_ARN,
        Handler: 'index.handler',
        Code: { ZipFile: ZIP },
        Timeout: 3,
      }),
    );
  });
  afterAll(() => {
    for (const c of Object.values(clients)) c.destroy();
  });

  let path: Awaited<ReturnType<typeof startEventPath>>;
  const outcomes: Routed[] = [];
  beforeAll(async () => {
    path = await startEventPath(stage, {
      types: TYPES,
      recheckDelays: [1_500, 1_500],
      events: { onOutcome: (r) => void outcomes.push(r) },
    });
    await path.sweep('baseline');
    // The baseline's appearances are the estate found; they are not what these tests count.
    const baseline = [...path.store.range({ account: ACCOUNT })].length;
    await until(() => path.changes.length >= baseline, 'the baseline appearances');
    await new Promise((r) => setTimeout(r, 300));
    expect(path.changes.every((c) => c.type === 'appeared' && c.baseline)).toBe(true);
    path.changes.length = 0;
  });

  const id = (type: string, native: string) =>
    `aws:${ACCOUNT}:${type.startsWith('iam.') ? 'global' : 'us-east-1'}:${type}:${native}`;
  const sweeps = () => path.store.audit({ types: ['scan_completed'] }).length;
  const of = (resource: string) => path.changes.filter((c) => c.resource_id === resource);

  it('each CloudTrail-shaped event gives exactly one change with the right actor, without a sweep', async () => {
    const swept = sweeps();
    const cases: {
      resource: string;
      change: () => Promise<unknown>;
      event: Record<string, unknown>;
      type: PublishedChange['type'];
      actor: Partial<Actor>;
    }[] = [
      {
        resource: id('ec2.instance', seeded.instance),
        change: () =>
          clients.ec2.send(
            new CreateTagsCommand({ Resources: [seeded.instance], Tags: [{ Key: 'owner', Value: 'alice' }] }),
          ),
        // An assumed-role session naming the person behind the shared role.
        event: createTags([seeded.instance], assumedRole('deployer', 'ci-1234', { sourceIdentity: 'alice' }), {
          owner: 'alice',
        }),
        type: 'tag_drift',
        actor: {
          principal_arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci-1234`,
          principal_type: 'AssumedRole',
          session_issuer: `arn:aws:iam::${ACCOUNT}:role/deployer`,
          source_identity: 'alice',
          event_name: 'CreateTags',
        },
      },
      {
        resource: id('ec2.security_group', seeded.sg),
        change: () =>
          clients.ec2.send(
            new AuthorizeSecurityGroupIngressCommand({
              GroupId: seeded.sg,
              IpPermissions: [{ IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
            }),
          ),
        event: authorizeIngress(seeded.sg, iamUser('bob'), 3389),
        type: 'modified',
        actor: { principal_arn: `arn:aws:iam::${ACCOUNT}:user/bob`, principal_type: 'IAMUser' },
      },
      {
        resource: id('s3.bucket', 'events-policy'),
        change: () =>
          clients.s3.send(
            new PutBucketPolicyCommand({
              Bucket: 'events-policy',
              Policy: JSON.stringify({
                Version: '2012-10-17',
                Statement: [
                  {
                    Sid: 'Public',
                    Effect: 'Allow',
                    Principal: '*',
                    Action: 's3:GetObject',
                    Resource: 'arn:aws:s3:::events-policy/*',
                  },
                ],
              }),
            }),
          ),
        // An IAM Identity Center user, through their permission set's reserved role.
        event: putBucketPolicy('events-policy', identityCenterSession('carol@example.com'), {}),
        type: 'modified',
        actor: {
          principal_arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/carol@example.com`,
          event_name: 'PutBucketPolicy',
        },
      },
      {
        resource: id('iam.role', 'app-role'),
        change: () => clients.iam.send(new AttachRolePolicyCommand({ RoleName: 'app-role', PolicyArn: POLICY_ARN })),
        // An IAM Identity Center user acting as itself (no ARN: its identity store and user id).
        event: attachRolePolicy('app-role', POLICY_ARN, identityCenterUser('94482488-3041-7026-18f3-be45837cd0e4')),
        type: 'modified',
        actor: {
          principal_arn: `arn:aws:identitystore::${ACCOUNT}:identitystore/d-9067642ac7/user/94482488-3041-7026-18f3-be45837cd0e4`,
          principal_type: 'IdentityCenterUser',
        },
      },
      {
        resource: id('lambda.function', 'resize'),
        change: () =>
          clients.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'resize', Timeout: 30 })),
        event: updateFunctionConfiguration('resize', assumedRole('deployer', 'dave'), { timeout: 30 }),
        type: 'modified',
        actor: { principal_arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/dave` },
      },
      {
        resource: id('ec2.instance', doomed),
        change: () => clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [doomed] })),
        event: terminateInstances([doomed], iamUser('erin')),
        type: 'disappeared',
        actor: { principal_arn: `arn:aws:iam::${ACCOUNT}:user/erin`, event_name: 'TerminateInstances' },
      },
    ];
    const latency: number[] = [];
    for (const c of cases) {
      await c.change();
      const sent = Date.now();
      await path.bridge.putEvents([envelope(c.event)]);
      await until(() => of(c.resource).length > 0, `a change of ${c.resource}`, 10_000);
      latency.push(Date.now() - sent);
    }
    // Nothing more comes for any of them: exactly one change each.
    await new Promise((r) => setTimeout(r, 1_500));
    for (const c of cases) {
      const got = of(c.resource);
      expect(
        got.map((x) => x.type),
        c.resource,
      ).toEqual([c.type]);
      expect(got[0]?.actor).toMatchObject({ ...c.actor, via: 'event' });
      expect(got[0]?.actor?.user_agent).toMatch(/^aws-cli\//);
      expect(got[0]?.actor?.source_ip).toBe('203.0.113.7');
    }
    expect(sweeps()).toBe(swept);
    // Seconds, not scan intervals (the bench measures the distribution).
    expect(Math.max(...latency)).toBeLessThan(5_000);

    // Durably: the history names who made each version; `changes --by` finds them.
    const history = JSON.parse(path.reader.answer('history', { id: cases[0]!.resource })).items as {
      revision: { main: number };
      actor?: Actor;
    }[];
    expect(history).toHaveLength(2);
    expect(history[0]?.actor).toBeUndefined();
    expect(history[1]?.actor?.principal_arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci-1234`);
    const by = (who: string) =>
      (JSON.parse(path.reader.answer('changes', { since: '1h', by: who })).items as PublishedChange[]).map(
        (c) => c.resource_id,
      );
    expect(by('alice')).toEqual([cases[0]!.resource]);
    expect(by('deployer').sort()).toEqual([cases[0]!.resource, cases[4]!.resource].sort());
    expect(by(`arn:aws:iam::${ACCOUNT}:user/bob`)).toEqual([cases[1]!.resource]);
    expect(by('nobody')).toEqual([]);
    expect(path.store.verifyAudit().ok).toBe(true);
  });

  it('a delete event whose read still finds the resource does not tombstone it; the next read that finds it gone does', async () => {
    const stays = id('s3.bucket', 'events-stays');
    const goes = id('s3.bucket', 'events-goes');
    const deleteBucket = (bucketName: string) =>
      record({ source: 's3.amazonaws.com', name: 'DeleteBucket', identity: iamUser('frank'), request: { bucketName } });
    const reads = (resource: string) =>
      path.store
        .audit({ types: ['observed'] })
        .filter((e) => e.data.partial === true && (e.data.ids as string[]).includes(resource)).length;
    // AWS still lists both right after the delete call (eventual consistency): both events arrive first.
    await path.bridge.putEvents([envelope(deleteBucket('events-stays')), envelope(deleteBucket('events-goes'))]);
    await until(() => reads(stays) >= 1 && reads(goes) >= 1, 'the first reads');
    expect(path.store.get(stays)).not.toBeNull();
    expect(path.store.get(goes)).not.toBeNull();
    // Now it is gone for real: the next read (1.5 s later) finds it gone and tombstones it.
    await clients.s3.send(new DeleteBucketCommand({ Bucket: 'events-goes' }));
    await until(() => of(goes).length > 0, 'the confirmed disappearance', 10_000);
    expect(of(goes).map((c) => c.type)).toEqual(['disappeared']);
    expect(of(goes)[0]?.actor).toMatchObject({
      principal_arn: `arn:aws:iam::${ACCOUNT}:user/frank`,
      event_name: 'DeleteBucket',
    });
    expect(path.store.get(goes)).toBeNull();
    // The other is still there after every read: left to the sweep, never tombstoned on an event's word.
    await until(() => reads(stays) >= 3, 'three reads of the bucket that stays', 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(reads(stays)).toBe(3);
    expect(path.store.get(stays)).not.toBeNull();
    expect(of(stays)).toEqual([]);
    // Nothing else of the scope was touched by these partial reads.
    expect(path.store.get(id('s3.bucket', 'events-policy'))).not.toBeNull();
  });

  it('a duplicate makes no second change, and a redelivered message no second job', async () => {
    const started = Date.now();
    const resource = id('ec2.instance', seeded.instance);
    const before = of(resource).length;
    await clients.ec2.send(
      new CreateTagsCommand({ Resources: [seeded.instance], Tags: [{ Key: 'team', Value: 'payments' }] }),
    );
    const event = createTags([seeded.instance], iamUser('gina'), { team: 'payments' });
    // The same CloudTrail record twice through EventBridge (two envelopes), and one envelope sent twice.
    await path.bridge.putEvents([envelope(event), envelope(event)]);
    const body = JSON.stringify(envelope(event, 'replayed-envelope-1'));
    await path.sqs.send(new SendMessageCommand({ QueueUrl: path.queueUrl, MessageBody: body }));
    await path.sqs.send(new SendMessageCommand({ QueueUrl: path.queueUrl, MessageBody: body }));
    await until(() => of(resource).length > before, 'the tag change');
    await until(
      () => outcomes.filter((o) => o.kind === 'targets' && o.event.id === 'replayed-envelope-1').length === 2,
      'both copies read',
    );
    await new Promise((r) => setTimeout(r, 2_000));
    expect(
      of(resource)
        .slice(before)
        .map((c) => [c.type, c.actor?.principal_arn]),
    ).toEqual([['tag_drift', `arn:aws:iam::${ACCOUNT}:user/gina`]]);
    // The envelope sent twice was re-read under one job id (however the receives grouped it).
    const jobs = await path.scanQueue.getJobs(['completed', 'waiting', 'active', 'delayed']);
    const replayed = jobs.filter((j) => j.timestamp >= started && j.data.events?.includes('replayed-envelope-1'));
    expect(replayed.length).toBeGreaterThanOrEqual(1);
    const alone = replayed.filter((j) => j.data.events?.length === 1);
    expect(alone.length).toBeLessThanOrEqual(1);
  });

  it('an unknown type is counted and dropped, garbage goes to the dead-letter queue with its reason, another account is dropped', async () => {
    const from = outcomes.length;
    await path.bridge.putEvents([
      envelope(
        record({
          source: 'dynamodb.amazonaws.com',
          name: 'UpdateTable',
          identity: iamUser('h'),
          request: { tableName: 't' },
        }),
      ),
      envelope(
        record({
          source: 'ec2.amazonaws.com',
          name: 'CreateTags',
          identity: iamUser('mallory'),
          account: '999999999999',
          request: { resourcesSet: { items: [{ resourceId: seeded.instance }] } },
        }),
      ),
    ]);
    await path.sqs.send(new SendMessageCommand({ QueueUrl: path.queueUrl, MessageBody: '{"this is": not json' }));
    await until(() => outcomes.length >= from + 3, 'three outcomes');
    const got = outcomes.slice(from).map((o) => (o.kind === 'malformed' ? 'malformed' : `${o.kind}:${o.name}`));
    expect(got.sort()).toEqual(['foreign:CreateTags', 'malformed', 'unmapped:UpdateTable']);
    const dead = await path.deadLetters();
    expect(dead).toEqual([{ body: '{"this is": not json', reason: expect.stringMatching(/^not JSON: /) }]);
    // Every message was dealt with: nothing left in flight on the source queue.
    await until(async () => {
      const a = await path.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: path.queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return (
        a.Attributes?.ApproximateNumberOfMessages === '0' && a.Attributes?.ApproximateNumberOfMessagesNotVisible === '0'
      );
    }, 'an empty queue');
    // And nothing was re-read for the other account's event.
    const jobs = await path.scanQueue.getJobs(['completed', 'waiting', 'active', 'delayed']);
    expect(jobs.filter((j) => j.data.scope.account === '999999999999')).toEqual([]);
  });
});
