import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CreateRepositoryCommand,
  ECRClient,
  TagResourceCommand as EcrTag,
  PutImageScanningConfigurationCommand,
  PutLifecyclePolicyCommand,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  EnableKeyRotationCommand,
  KMSClient,
  TagResourceCommand as KmsTag,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  LambdaClient,
  TagResourceCommand as LambdaTag,
  PublishLayerVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand as SecretTag,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  CreateTopicCommand,
  SetTopicAttributesCommand,
  SNSClient,
  TagResourceCommand as SnsTag,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SQSClient,
  TagQueueCommand,
} from '@aws-sdk/client-sqs';
import { PROVIDERS, readOne, WRITE_OPERATIONS } from '@elava/aws';
import { customBuiltins } from '@elava/policies/builtins';
import { type AnyResource, parseResourceId, type ResourceType } from '@elava/types';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig, unique } from '../support/infra.js';
import { changedPaths, clientsFor, scanType, sendTagWrites } from '../support/readers.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-2';
const _credentials = async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' });

const clientSet = clientsFor;

async function scan(type: ResourceType, region = REGION, pageSize?: number) {
  const { pages, all, operations } = await scanType(type, region, { pageSize });
  // Every call made is one the provider declares (the IAM policy is made from that list).
  expect(operations.filter((op) => !PROVIDERS[type].operations.includes(op))).toEqual([]);
  return { pages: pages as AnyResource[][], all: all as AnyResource[] };
}

async function one(type: ResourceType, nativeId: string, region = REGION): Promise<AnyResource> {
  const r = (await scan(type, region)).all.find((x) => x.native_id === nativeId);
  if (!r) throw new Error(`${type} ${nativeId} not found`);
  return r;
}

async function byId(type: ResourceType, nativeId: string, region = REGION) {
  const clients = clientSet(region);
  try {
    return await readOne(PROVIDERS[type], { account: ACCOUNT, region, clients }, nativeId);
  } finally {
    clients.destroy();
  }
}

/** The canonical id, a stable second read, and the read by id (found, and absent for a missing id). */
async function checkBasics(type: ResourceType, nativeId: string, arn: string, region = REGION) {
  const first = await one(type, nativeId, region);
  expect(parseResourceId(first.id)).toEqual({ provider: 'aws', account: ACCOUNT, region, type, nativeId });
  expect(first.attributes.arn).toBe(arn);
  expect(await one(type, nativeId, region)).toEqual(first);
  expect(await byId(type, nativeId, region)).toEqual(first);
  expect(await byId(type, `${nativeId}-missing`, region)).toBeUndefined();
  return first;
}

/** The paths that differ between two reads, as the store's diff names them. */
const changed = changedPaths;

/** Tag writes as the executor makes them: sets one tag and removes another, checked by a rescan. */
async function checkTagWrites(r: AnyResource, remove: string) {
  const p = PROVIDERS[r.type];
  if (!p.tagWrites.writable) throw new Error(`${r.type} tags are not writable`);
  const calls = p.tagWrites.calls(
    { nativeId: r.native_id, arn: r.attributes.arn as string, tags: r.tags },
    { 'elava:owner': 'team-x' },
    { [remove]: r.tags[remove] ?? '' },
  );
  expect(calls.map((c) => c.operation)).toHaveLength(2);
  await sendTagWrites(r, { 'elava:owner': 'team-x' }, { [remove]: r.tags[remove] ?? '' }, WRITE_OPERATIONS);
  const after = await one(r.type, r.native_id, r.region);
  expect(after.tags['elava:owner']).toBe('team-x');
  expect(after.tags).not.toHaveProperty(remove);
}

// The compiled policies, as the policy service runs them (build with `node policies/build.mjs`).
const DIST = resolve(import.meta.dirname, '../../policies/dist');
const loaded = new Map<string, Promise<Awaited<ReturnType<typeof loadPolicy>>>>();
async function evaluate(pkg: 'exposure' | 'hygiene', resource: AnyResource) {
  let load = loaded.get(pkg);
  if (!load) {
    load = loadPolicy(readFileSync(join(DIST, `${pkg}.wasm`)), undefined, customBuiltins);
    loaded.set(pkg, load);
  }
  const policy = await load;
  policy.setData({});
  const rule = pkg === 'exposure' ? 'deny' : 'warn';
  const out = policy.evaluate({ resource, now: new Date().toISOString() }, `elava/${pkg}/${rule}`)[0]?.result ?? [];
  return (out as { msg: string }[]).map((d) => d.msg);
}

const openStatement = (resource: string, action: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'Everyone', Effect: 'Allow', Principal: '*', Action: action, Resource: resource }],
  });

describe('lambda.function', () => {
  const lambda = new LambdaClient(awsClientConfig(REGION));
  const p = unique('fn');
  // A zip holding index.js: moto stores and hashes it.
  const ZIP = Buffer.from(
    'UEsDBBQAAAAIAAAAIQD3j2XWDwAAAA0AAAAIAAAAaW5kZXguanPLzE1MTszLzEsBAFBLAQIUABQAAAAIAAAAIQD3j2XWDwAAAA0AAAAIAAAAAAAAAAAAAAAAAAAAAABpbmRleC5qc1BLBQYAAAAAAQABADYAAAA1AAAAAAA=',
    'base64',
  );
  let role: string;
  let open: { FunctionName?: string; FunctionArn?: string };
  let plain: { FunctionName?: string };
  let layer: string;

  const create = (name: string, runtime: string, extra: object = {}) =>
    lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: runtime as 'python3.12',
        Role: role,
        Handler: 'index.handler',
        Code: { ZipFile: ZIP },
        ...extra,
      }),
    );

  beforeAll(async () => {
    const iam = new IAMClient(awsClientConfig('us-east-1'));
    const trust = {
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    };
    role = required(
      (
        await iam.send(
          new CreateRoleCommand({ RoleName: `${p}-role`, AssumeRolePolicyDocument: JSON.stringify(trust) }),
        )
      ).Role?.Arn,
    );
    layer = required(
      (
        await lambda.send(
          new PublishLayerVersionCommand({
            LayerName: `${p}-layer`,
            Content: { ZipFile: ZIP },
            CompatibleRuntimes: ['python3.8'],
          }),
        )
      ).LayerVersionArn,
    );
    open = await create(`${p}-open`, 'python3.8', {
      Environment: { Variables: { TOKEN: 'fn-secret-value-1', REGION_NAME: 'eu-west-2' } },
      Layers: [layer],
      MemorySize: 256,
      Tags: { team: 'payments', env: 'test' },
    });
    await lambda.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: open.FunctionName,
        AuthType: 'NONE',
        Cors: { AllowOrigins: ['https://b.example', 'https://a.example'], AllowMethods: ['POST', 'GET'] },
      }),
    );
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: open.FunctionName,
        StatementId: 'public-invoke',
        Action: 'lambda:InvokeFunction',
        Principal: '*',
      }),
    );
    plain = await create(`${p}-plain`, 'python3.12');
  });

  it('reads a function: config, environment names and a hash (never values), layers, URL and policy', async () => {
    const name = required(open.FunctionName);
    const r = await checkBasics('lambda.function', name, required(open.FunctionArn));
    const pairs = [
      ['REGION_NAME', 'eu-west-2'],
      ['TOKEN', 'fn-secret-value-1'],
    ];
    expect(r).toMatchObject({
      name,
      status: 'active',
      tags: { team: 'payments', env: 'test' },
      attributes: {
        runtime: 'python3.8',
        handler: 'index.handler',
        role,
        memory_mb: 256,
        timeout_seconds: 3,
        architectures: ['x86_64'],
        package_type: 'Zip',
        layers: [layer],
        environment: {
          names: ['REGION_NAME', 'TOKEN'],
          values_sha256: createHash('sha256').update(JSON.stringify(pairs)).digest('hex'),
        },
        function_url: {
          auth_type: 'NONE',
          cors: { allow_origins: ['https://a.example', 'https://b.example'], allow_methods: ['GET', 'POST'] },
        },
        policy: {
          statements: [
            { sid: 'public-invoke', effect: 'Allow', principal: { AWS: ['*'] }, action: ['lambda:InvokeFunction'] },
          ],
        },
      },
    });
    expect(attrs(r).code_sha256).toMatch(/=$/);
    expect(JSON.stringify(r)).not.toContain('fn-secret-value-1');
    expect(r.attributes).not.toHaveProperty('last_modified');

    const quiet = await one('lambda.function', required(plain.FunctionName));
    expect(quiet.attributes).not.toHaveProperty('function_url');
    expect(quiet.attributes).not.toHaveProperty('policy');
    expect(quiet.attributes).not.toHaveProperty('environment');
  });

  it('sees a tag and a memory change as exactly those; writes tags', async () => {
    const name = required(open.FunctionName);
    const before = await one('lambda.function', name);
    await lambda.send(new LambdaTag({ Resource: open.FunctionArn, Tags: { stage: 'blue' } }));
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, MemorySize: 512 }));
    const after = await one('lambda.function', name);
    expect(changed('lambda.function', before, after)).toEqual(['attributes.memory_mb', 'tags.stage']);
    await checkTagWrites(after, 'team');
  });

  it('reads every page', async () => {
    // moto's ListFunctions ignores MaxItems (one page whatever the size): this checks the paginator runs through.
    const names = await Promise.all(
      [1, 2, 3].map(async (i) => (await create(`${p}-page-${i}`, 'python3.12')).FunctionName),
    );
    const { all } = await scan('lambda.function', REGION, 2);
    for (const n of names) expect(all.map((r) => r.native_id)).toContain(n);
  });

  it('policies: a public URL and an open policy deny, a deprecated runtime warns; a plain function is quiet', async () => {
    const r = await one('lambda.function', required(open.FunctionName));
    expect((await evaluate('exposure', r)).sort()).toEqual([
      `lambda function ${r.native_id} has a function URL anyone can call (auth type NONE)`,
      `lambda.function ${r.native_id} has a resource policy that allows everyone (statement public-invoke)`,
    ]);
    expect(await evaluate('hygiene', r)).toContain(
      `lambda function ${r.native_id} runs on python3.8, a deprecated runtime`,
    );
    const quiet = await one('lambda.function', required(plain.FunctionName));
    expect(await evaluate('exposure', quiet)).toEqual([]);
    expect(await evaluate('hygiene', quiet)).toEqual([]);
  });
});

describe('sqs.queue', () => {
  const sqs = new SQSClient(awsClientConfig(REGION));
  const p = unique('q');
  let dlqArn: string;
  let mainUrl: string;
  const arnOf = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;

  beforeAll(async () => {
    await sqs.send(new CreateQueueCommand({ QueueName: `${p}-dlq` }));
    dlqArn = arnOf(`${p}-dlq`);
    mainUrl = required(
      (
        await sqs.send(
          new CreateQueueCommand({
            QueueName: `${p}-main`,
            Attributes: {
              VisibilityTimeout: '45',
              RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }),
              Policy: openStatement(arnOf(`${p}-main`), 'sqs:SendMessage'),
            },
            tags: { team: 'orders' },
          }),
        )
      ).QueueUrl,
    );
  });

  it('reads a queue: settings, redrive, policy, encryption; no counters', async () => {
    const r = await checkBasics('sqs.queue', `${p}-main`, arnOf(`${p}-main`));
    expect(r).toMatchObject({
      name: `${p}-main`,
      status: 'active',
      tags: { team: 'orders' },
      attributes: {
        url: mainUrl,
        fifo: false,
        visibility_timeout_seconds: 45,
        redrive_policy: { dead_letter_target_arn: dlqArn, max_receive_count: 3 },
        encryption: { sqs_managed: true },
        policy: { statements: [{ sid: 'Everyone', principal: { AWS: ['*'] }, action: ['sqs:SendMessage'] }] },
      },
    });
    expect(r.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(JSON.stringify(r)).not.toMatch(/ApproximateNumber|LastModified|last_modified/i);
  });

  it('sees a tag and a visibility change as exactly those', async () => {
    const before = await one('sqs.queue', `${p}-main`);
    await sqs.send(new TagQueueCommand({ QueueUrl: mainUrl, Tags: { stage: 'blue' } }));
    // moto drops the queue policy on any SetQueueAttributes that leaves it out (AWS keeps it): sent again.
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: mainUrl,
        Attributes: { VisibilityTimeout: '60', Policy: openStatement(arnOf(`${p}-main`), 'sqs:SendMessage') },
      }),
    );
    const after = await one('sqs.queue', `${p}-main`);
    expect(changed('sqs.queue', before, after)).toEqual(['attributes.visibility_timeout_seconds', 'tags.stage']);
  });

  it('writes tags through the URL made from the ARN (the AWS form, which moto takes too)', async () => {
    const r = await one('sqs.queue', `${p}-main`);
    const calls = PROVIDERS['sqs.queue'].tagWrites.writable
      ? PROVIDERS['sqs.queue'].tagWrites.calls(
          { nativeId: r.native_id, arn: arnOf(r.native_id), tags: r.tags },
          { a: 'b' },
          {},
        )
      : [];
    expect(calls[0]?.input.QueueUrl).toBe(`https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${p}-main`);
    await checkTagWrites(r, 'team');
  });

  it('reads every page', async () => {
    const names = [1, 2, 3, 4, 5].map((i) => `${p}-page-${i}`);
    for (const QueueName of names) await sqs.send(new CreateQueueCommand({ QueueName }));
    const { pages, all } = await scan('sqs.queue', REGION, 2);
    // Two a page: every page full but the last.
    expect(all.length).toBeGreaterThanOrEqual(names.length);
    expect(pages.length).toBe(Math.ceil(all.length / 2));
    for (const n of names) expect(all.map((r) => r.native_id)).toContain(n);
  });

  it('policies: an open queue policy denies; the dead-letter queue is quiet', async () => {
    const r = await one('sqs.queue', `${p}-main`);
    expect(await evaluate('exposure', r)).toEqual([
      `sqs.queue ${r.native_id} has a resource policy that allows everyone (statement Everyone)`,
    ]);
    expect(await evaluate('exposure', await one('sqs.queue', `${p}-dlq`))).toEqual([]);
    // The SDK client saw the same queue under the URL moto gives: attributes agree.
    const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: mainUrl, AttributeNames: ['QueueArn'] }));
    expect(a.Attributes?.QueueArn).toBe(r.attributes.arn);
  });
});

describe('sns.topic', () => {
  const sns = new SNSClient(awsClientConfig(REGION));
  const p = unique('t');
  let topicArn: string;
  let openArn: string;

  beforeAll(async () => {
    topicArn = required(
      (
        await sns.send(
          new CreateTopicCommand({
            Name: `${p}-events`,
            Attributes: { DisplayName: 'Events' },
            Tags: [{ Key: 'team', Value: 'ops' }],
          }),
        )
      ).TopicArn,
    );
    openArn = required((await sns.send(new CreateTopicCommand({ Name: `${p}-open` }))).TopicArn);
    await sns.send(
      new SetTopicAttributesCommand({
        TopicArn: openArn,
        AttributeName: 'Policy',
        AttributeValue: openStatement(openArn, 'SNS:Publish'),
      }),
    );
  });

  it('reads a topic: display name, default policy (with its condition); no subscription counters', async () => {
    const r = await checkBasics('sns.topic', `${p}-events`, topicArn);
    expect(r).toMatchObject({
      name: `${p}-events`,
      tags: { team: 'ops' },
      attributes: {
        display_name: 'Events',
        fifo: false,
        policy: {
          statements: [
            {
              sid: '__default_statement_ID',
              principal: { AWS: ['*'] },
              condition: { StringEquals: { 'AWS:SourceOwner': [ACCOUNT] } },
            },
          ],
        },
      },
    });
    expect(JSON.stringify(r)).not.toMatch(/Subscriptions(Confirmed|Pending|Deleted)|subscriptions_/);
  });

  it('sees a tag and a display-name change as exactly those; writes tags', async () => {
    const before = await one('sns.topic', `${p}-events`);
    await sns.send(new SnsTag({ ResourceArn: topicArn, Tags: [{ Key: 'stage', Value: 'blue' }] }));
    await sns.send(
      new SetTopicAttributesCommand({ TopicArn: topicArn, AttributeName: 'DisplayName', AttributeValue: 'Events 2' }),
    );
    const after = await one('sns.topic', `${p}-events`);
    expect(changed('sns.topic', before, after)).toEqual(['attributes.display_name', 'tags.stage']);
    await checkTagWrites(after, 'team');
  });

  it('reads every page (ListTopics answers 100 at a time and takes no page size)', async () => {
    const region = 'ap-southeast-2';
    const client = new SNSClient(awsClientConfig(region));
    const names = Array.from({ length: 105 }, (_, i) => `${p}-page-${i}`);
    for (const Name of names) await client.send(new CreateTopicCommand({ Name }));
    const { pages, all } = await scan('sns.topic', region);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    const seen = new Set(all.map((r) => r.native_id));
    expect(names.filter((n) => !seen.has(n))).toEqual([]);
  });

  it('policies: an open topic policy denies; the default, conditioned one is quiet', async () => {
    const r = await one('sns.topic', `${p}-open`);
    expect(await evaluate('exposure', r)).toEqual([
      `sns.topic ${r.native_id} has a resource policy that allows everyone (statement Everyone)`,
    ]);
    expect(await evaluate('exposure', await one('sns.topic', `${p}-events`))).toEqual([]);
  });
});

describe('kms.key', () => {
  const kms = new KMSClient(awsClientConfig(REGION));
  const p = unique('k');
  let keyId: string;
  let keyArn: string;
  let asymmetric: string;
  let openKey: string;

  beforeAll(async () => {
    const k = await kms.send(
      new CreateKeyCommand({ Description: `${p} data`, Tags: [{ TagKey: 'team', TagValue: 'data' }] }),
    );
    keyId = required(k.KeyMetadata?.KeyId);
    keyArn = required(k.KeyMetadata?.Arn);
    await kms.send(new CreateAliasCommand({ AliasName: `alias/${p}-b`, TargetKeyId: keyId }));
    await kms.send(new CreateAliasCommand({ AliasName: `alias/${p}-a`, TargetKeyId: keyId }));
    asymmetric = required(
      (await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata?.KeyId,
    );
    openKey = required(
      (await kms.send(new CreateKeyCommand({ Policy: openStatement('*', 'kms:Decrypt') }))).KeyMetadata?.KeyId,
    );
  });

  it('reads a customer key: state, spec, rotation, aliases sorted, default policy', async () => {
    const r = await checkBasics('kms.key', keyId, keyArn);
    expect(r).toMatchObject({
      name: `${p}-a`,
      status: 'enabled',
      tags: { team: 'data' },
      attributes: {
        description: `${p} data`,
        key_state: 'Enabled',
        enabled: true,
        // key_usage: moto leaves KeyUsage out of DescribeKey unless given at creation.
        key_spec: 'SYMMETRIC_DEFAULT',
        origin: 'AWS_KMS',
        rotation_enabled: false,
        aliases: [`alias/${p}-a`, `alias/${p}-b`],
        policy: { statements: [{ effect: 'Allow', action: ['kms:*'] }] },
      },
    });
    expect(r.created_at).toMatch(/^\d{4}-/);
    // Rotation is not asked of an asymmetric key (AWS refuses; moto would answer false).
    expect((await one('kms.key', asymmetric)).attributes).not.toHaveProperty('rotation_enabled');
  });

  it('sees a tag and rotation turned on as exactly those; writes tags', async () => {
    const before = await one('kms.key', keyId);
    await kms.send(new KmsTag({ KeyId: keyId, Tags: [{ TagKey: 'stage', TagValue: 'blue' }] }));
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
    const after = await one('kms.key', keyId);
    // moto does not answer RotationPeriodInDays; AWS would add it with the rotation.
    expect(changed('kms.key', before, after)).toEqual(['attributes.rotation_enabled', 'tags.stage']);
    await checkTagWrites(after, 'team');
  });

  it('reads every page, and a key pending deletion with its date', async () => {
    // moto's ListKeys ignores Limit (one page whatever the size): this checks the paginator runs through.
    const ids = await Promise.all(
      [1, 2, 3].map(async () => required((await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId)),
    );
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: ids[0], PendingWindowInDays: 7 }));
    const { all } = await scan('kms.key', REGION, 2);
    for (const id of ids) expect(all.map((r) => r.native_id)).toContain(id);
    const going = all.find((r) => r.native_id === ids[0]);
    expect(going).toMatchObject({ status: 'pending_deletion', attributes: { key_state: 'PendingDeletion' } });
    expect(going && attrs(going).deletion_date).toMatch(/^\d{4}-/);
  });

  it('policies: an open key policy denies, rotation off warns; the rotated default key is quiet', async () => {
    const open = await one('kms.key', openKey);
    expect(await evaluate('exposure', open)).toEqual([
      `kms.key ${openKey} has a resource policy that allows everyone (statement Everyone)`,
    ]);
    expect(await evaluate('hygiene', open)).toEqual([`KMS key ${openKey} does not rotate its key material`]);
    const rotated = await one('kms.key', keyId);
    expect(await evaluate('exposure', rotated)).toEqual([]);
    expect(await evaluate('hygiene', rotated)).toEqual([]);
  });
});

describe('secretsmanager.secret', () => {
  const sm = new SecretsManagerClient(awsClientConfig(REGION));
  const p = unique('s');
  const VALUE = `hunter2-${p}`;
  let arn: string;

  beforeAll(async () => {
    arn = required(
      (
        await sm.send(
          new CreateSecretCommand({
            Name: `${p}/db`,
            Description: 'db password',
            SecretString: VALUE,
            Tags: [{ Key: 'team', Value: 'db' }],
          }),
        )
      ).ARN,
    );
  });

  it('reads metadata only: never the value, no access or change dates', async () => {
    const r = await checkBasics('secretsmanager.secret', `${p}/db`, arn);
    expect(r).toMatchObject({
      name: `${p}/db`,
      status: 'active',
      tags: { team: 'db' },
      attributes: { description: 'db password', rotation_enabled: false },
    });
    expect(r.created_at).toMatch(/^\d{4}-/);
    expect(JSON.stringify(r)).not.toContain(VALUE);
    expect(JSON.stringify(r)).not.toMatch(/last_(accessed|changed)/);
  });

  it('sees a tag and a description change as exactly those; writes tags', async () => {
    const before = await one('secretsmanager.secret', `${p}/db`);
    await sm.send(new SecretTag({ SecretId: arn, Tags: [{ Key: 'stage', Value: 'blue' }] }));
    await sm.send(new UpdateSecretCommand({ SecretId: arn, Description: 'db password v2' }));
    const after = await one('secretsmanager.secret', `${p}/db`);
    expect(changed('secretsmanager.secret', before, after)).toEqual(['attributes.description', 'tags.stage']);
    await checkTagWrites(after, 'team');
  });

  it('reads every page, and a secret scheduled for deletion (by listing and by name)', async () => {
    const names = [1, 2, 3, 4, 5].map((i) => `${p}/page-${i}`);
    for (const Name of names) await sm.send(new CreateSecretCommand({ Name, SecretString: VALUE }));
    await sm.send(new DeleteSecretCommand({ SecretId: names[0], RecoveryWindowInDays: 7 }));
    const { pages, all } = await scan('secretsmanager.secret', REGION, 2);
    // Two a page: every page full but the last (on a fresh moto, only this file's secrets).
    expect(all.length).toBeGreaterThanOrEqual(names.length);
    expect(pages.length).toBe(Math.ceil(all.length / 2));
    for (const n of names) expect(all.map((r) => r.native_id)).toContain(n);
    const going = all.find((r) => r.native_id === names[0]);
    expect(going?.status).toBe('pending_deletion');
    expect(await byId('secretsmanager.secret', required(names[0]))).toEqual(going);
    expect(JSON.stringify(all)).not.toContain(VALUE);
  });

  it('policies: a secret without rotation warns; a rotated one is quiet', async () => {
    const r = await one('secretsmanager.secret', `${p}/db`);
    expect(await evaluate('hygiene', r)).toEqual([`secret ${p}/db is not rotated`]);
    const rotated = `${p}/rotated`;
    await sm.send(new CreateSecretCommand({ Name: rotated, SecretString: VALUE }));
    // moto rotates without a Lambda when none is given; AWS would need one (or a managed rotation).
    await sm.send(new RotateSecretCommand({ SecretId: rotated, RotationRules: { AutomaticallyAfterDays: 30 } }));
    const q = await one('secretsmanager.secret', rotated);
    expect(q.attributes).toMatchObject({ rotation_enabled: true, rotation_rules: { automatically_after_days: 30 } });
    expect(attrs(q).last_rotated_date).toMatch(/^\d{4}-/);
    expect(await evaluate('hygiene', q)).toEqual([]);
  });
});

describe('ecr.repository', () => {
  const ecr = new ECRClient(awsClientConfig(REGION));
  const p = unique('r');
  const name = `${p}/app`;
  let arn: string;

  beforeAll(async () => {
    arn = required(
      (await ecr.send(new CreateRepositoryCommand({ repositoryName: name, tags: [{ Key: 'team', Value: 'web' }] })))
        .repository?.repositoryArn,
    );
    await ecr.send(
      new PutLifecyclePolicyCommand({
        repositoryName: name,
        lifecyclePolicyText: JSON.stringify({
          rules: [
            {
              rulePriority: 2,
              selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 50 },
              action: { type: 'expire' },
            },
            {
              rulePriority: 1,
              description: 'untagged',
              selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
              action: { type: 'expire' },
            },
          ],
        }),
      }),
    );
    await ecr.send(
      new SetRepositoryPolicyCommand({ repositoryName: name, policyText: openStatement('*', 'ecr:BatchGetImage') }),
    );
    await ecr.send(
      new CreateRepositoryCommand({ repositoryName: `${p}/quiet`, imageScanningConfiguration: { scanOnPush: true } }),
    );
  });

  it('reads a repository: scanning, mutability, encryption, lifecycle rules by priority, policy', async () => {
    const r = await checkBasics('ecr.repository', name, arn);
    expect(r).toMatchObject({
      name,
      status: 'active',
      tags: { team: 'web' },
      attributes: {
        uri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${name}`,
        registry_id: ACCOUNT,
        image_tag_mutability: 'MUTABLE',
        scan_on_push: false,
        encryption: { type: 'AES256' },
        lifecycle_rules: [
          { priority: 1, description: 'untagged', action: { type: 'expire' } },
          { priority: 2, action: { type: 'expire' } },
        ],
        policy: { statements: [{ sid: 'Everyone', principal: { AWS: ['*'] } }] },
      },
    });
    expect(r.created_at).toMatch(/^\d{4}-/);
    const quiet = await one('ecr.repository', `${p}/quiet`);
    expect(quiet.attributes).not.toHaveProperty('lifecycle_rules');
    expect(quiet.attributes).not.toHaveProperty('policy');
  });

  it('sees a tag and scan on push as exactly those; writes tags', async () => {
    const before = await one('ecr.repository', name);
    await ecr.send(new EcrTag({ resourceArn: arn, tags: [{ Key: 'stage', Value: 'blue' }] }));
    await ecr.send(
      new PutImageScanningConfigurationCommand({
        repositoryName: name,
        imageScanningConfiguration: { scanOnPush: true },
      }),
    );
    const after = await one('ecr.repository', name);
    expect(changed('ecr.repository', before, after)).toEqual(['attributes.scan_on_push', 'tags.stage']);
    await checkTagWrites(after, 'team');
  });

  it('reads every page', async () => {
    // moto's DescribeRepositories ignores maxResults (one page): this checks the paginator runs through.
    const names = [1, 2, 3].map((i) => `${p}/page-${i}`);
    for (const repositoryName of names) await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const { all } = await scan('ecr.repository', REGION, 2);
    for (const n of names) expect(all.map((r) => r.native_id)).toContain(n);
  });

  it('policies: an open repository policy denies, no scan on push warns; a scanning private one is quiet', async () => {
    const open = await one('ecr.repository', `${p}/page-1`);
    expect(await evaluate('hygiene', open)).toEqual([`ECR repository ${p}/page-1 does not scan images on push`]);
    const r = await one('ecr.repository', name);
    expect(await evaluate('exposure', r)).toEqual([
      `ecr.repository ${name} has a resource policy that allows everyone (statement Everyone)`,
    ]);
    const quiet = await one('ecr.repository', `${p}/quiet`);
    expect(await evaluate('exposure', quiet)).toEqual([]);
    expect(await evaluate('hygiene', quiet)).toEqual([]);
  });
});

/** Attributes of the types added since the first fifteen are open in @elava/types. */
const attrs = (r: AnyResource) => r.attributes as Record<string, unknown>;

function required<T>(v: T | undefined | null): T {
  if (v === undefined || v === null) throw new Error('missing value in a moto answer');
  return v;
}
