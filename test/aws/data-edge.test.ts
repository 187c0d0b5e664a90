import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  TagResourceCommand as CfTagResourceCommand,
  CloudFrontClient,
  CreateDistributionCommand,
  type DistributionConfig,
  GetDistributionConfigCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import {
  AddTagsCommand,
  CloudTrailClient,
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  TagResourceCommand as LogsTagResourceCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateTableCommand,
  TagResourceCommand as DdbTagResourceCommand,
  DynamoDBClient,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateKeyPairCommand,
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DescribeNetworkAclsCommand,
  DescribeTagsCommand,
  EC2Client,
  ModifyLaunchTemplateCommand,
  ModifyVpcEndpointCommand,
  ReplaceNetworkAclAssociationCommand,
} from '@aws-sdk/client-ec2';
import {
  AssociateVPCWithHostedZoneCommand,
  ChangeTagsForResourceCommand,
  CreateHostedZoneCommand,
  Route53Client,
  UpdateHostedZoneCommentCommand,
} from '@aws-sdk/client-route-53';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ClientSet, PROVIDERS, readOne, WRITE_OPERATIONS } from '@elava/aws';
import { customBuiltins } from '@elava/policies/builtins';
import { parseResourceId, type Resource, type ResourceType } from '@elava/types';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { infra } from '../support/infra.js';
import { changedPaths, scanType, sendTagWrites } from '../support/readers.js';

const ACCOUNT = '123456789012';
/** Regional types are seeded here; the global ones live under `global` (sent to us-east-1). */
const REGION = 'eu-west-2';
const RUN = randomUUID().slice(0, 8);
const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const sdk = (region = REGION) => ({ region, endpoint: infra().moto, credentials: creds });

/** A scanned resource, its attributes read loosely: each reader's interface is checked in its module. */
type Scanned = Omit<Resource, 'attributes'> & { attributes: Record<string, unknown> };

const sets: ClientSet[] = [];
afterAll(() => {
  for (const c of sets) c.destroy();
});

function clientsFor(region: string, writes = false): ClientSet {
  const c = new ClientSet({
    region,
    endpoint: infra().moto,
    credentials: async () => creds,
    writes: writes ? WRITE_OPERATIONS : undefined,
  });
  sets.push(c);
  return c;
}

const ctxFor = (region: string, pageSize?: number) => ({
  account: ACCOUNT,
  region,
  clients: clientsFor(region),
  pageSize,
});

async function scan(type: ResourceType, region: string, pageSize?: number) {
  const { pages, all, stats } = await scanType(type, region, { pageSize });
  return { pages: pages as Scanned[][], all: all as Scanned[], stats };
}

async function one(type: ResourceType, region: string, nativeId: string): Promise<Scanned> {
  const { all } = await scan(type, region);
  const r = all.find((x) => x.native_id === nativeId);
  if (!r) throw new Error(`${type} ${nativeId} not found among ${all.map((x) => x.native_id).join(', ')}`);
  return r;
}

/** Sends what the type's tagWrites plans, through clients that allow exactly the executor's writes. */
async function writeTags(r: Scanned, set: Record<string, string>, remove: Record<string, string>) {
  expect((await sendTagWrites(r, set, remove, WRITE_OPERATIONS)).length).toBeGreaterThan(0);
}

interface Lifecycle {
  type: ResourceType;
  region: string;
  nativeId: string;
  arn: string;
  /** An id of the type's shape that does not exist; undefined where moto cannot be asked by id. */
  missingId?: string;
  /** Changes a tag and one attribute through the SDK... */
  change: () => Promise<void>;
  /** ...and these are the paths of the rescan that differ. */
  changed: string[];
  /**
   * Where moto's answer never shows a tag added after creation (launch templates): the tags as
   * moto's tag store has them, to check that the tag writes landed.
   */
  storedTags?: () => Promise<Record<string, string>>;
}

/**
 * What every reader must do: canonical id and ARN, a rescan of an unchanged resource equal to the
 * first, readOne by id, tag writes that really set and remove, a change seen as exactly that.
 */
async function lifecycle(l: Lifecycle): Promise<{ before: Scanned; after: Scanned }> {
  const first = await one(l.type, l.region, l.nativeId);
  expect(parseResourceId(first.id)).toEqual({
    provider: 'aws',
    account: ACCOUNT,
    region: l.region,
    type: l.type,
    nativeId: l.nativeId,
  });
  expect(first.attributes.arn).toBe(l.arn);
  expect(await one(l.type, l.region, l.nativeId)).toEqual(first);

  if (l.missingId !== undefined) {
    const ctx = ctxFor(l.region);
    expect(await readOne(PROVIDERS[l.type], ctx, l.nativeId)).toEqual(first);
    expect(await readOne(PROVIDERS[l.type], ctx, l.missingId)).toBeUndefined();
  }

  await writeTags(first, { 'elava:owner': 'tester' }, {});
  if (l.storedTags) {
    expect((await l.storedTags())['elava:owner']).toBe('tester');
    await writeTags(first, {}, { 'elava:owner': 'tester' });
    expect((await l.storedTags())['elava:owner']).toBeUndefined();
  } else {
    const tagged = await one(l.type, l.region, l.nativeId);
    expect(tagged.tags['elava:owner']).toBe('tester');
    expect(changedPaths(l.type, first, tagged)).toEqual(['tags.elava:owner']);
    await writeTags(tagged, {}, { 'elava:owner': 'tester' });
  }
  expect(await one(l.type, l.region, l.nativeId)).toEqual(first);

  await l.change();
  const after = await one(l.type, l.region, l.nativeId);
  expect(changedPaths(l.type, first, after)).toEqual([...l.changed].sort());
  return { before: first, after };
}

/** The compiled elava.posture bundle (policies/dist, built by `node policies/build.mjs`). */
async function posture(resource: Scanned) {
  const wasm = resolve(import.meta.dirname, '../../policies/dist/posture.wasm');
  if (!existsSync(wasm)) throw new Error('no policies/dist/posture.wasm: run `node policies/build.mjs`');
  const policy = await loadPolicy(readFileSync(wasm), undefined, customBuiltins);
  policy.setData({});
  const input = { resource, now: new Date().toISOString() };
  const out: Record<string, string[]> = {};
  for (const rule of ['deny', 'warn'])
    out[rule] = ((policy.evaluate(input, `elava/posture/${rule}`)[0]?.result ?? []) as { msg: string }[]).map(
      (d) => d.msg,
    );
  return out;
}

describe('dynamodb.table', () => {
  const ddb = () => new DynamoDBClient(sdk());
  const create = (name: string) =>
    ddb().send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'g', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'by-g',
            KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'KEYS_ONLY' },
            ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 1 },
          },
        ],
        BillingMode: 'PROVISIONED',
        ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 3 },
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
        Tags: [{ Key: 'team', Value: 'data' }],
      }),
    );

  it('reads key schema, indexes, throughput, stream, TTL and backups; sees a change as exactly that', async () => {
    const name = `orders-${RUN}`;
    await create(name);
    await ddb().send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' },
      }),
    );
    const { before, after } = await lifecycle({
      type: 'dynamodb.table',
      region: REGION,
      nativeId: name,
      arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`,
      missingId: `missing-${RUN}`,
      change: async () => {
        await ddb().send(
          new DdbTagResourceCommand({
            ResourceArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`,
            Tags: [{ Key: 'tier', Value: 'gold' }],
          }),
        );
        await ddb().send(
          new UpdateContinuousBackupsCommand({
            TableName: name,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 7 },
          }),
        );
      },
      changed: [
        'tags.tier',
        'attributes.point_in_time_recovery.enabled',
        'attributes.point_in_time_recovery.recovery_period_days',
      ],
    });
    expect(before).toMatchObject({
      name,
      status: 'active',
      tags: { team: 'data' },
      attributes: {
        key_schema: { partition_key: 'pk', sort_key: 'sk' },
        attribute_definitions: { g: 'N', pk: 'S', sk: 'S' },
        billing_mode: 'PROVISIONED',
        read_capacity_units: 5,
        write_capacity_units: 3,
        global_secondary_indexes: [
          {
            name: 'by-g',
            key_schema: { partition_key: 'g' },
            projection_type: 'KEYS_ONLY',
            read_capacity_units: 2,
            write_capacity_units: 1,
          },
        ],
        local_secondary_indexes: [],
        stream: { enabled: true, view_type: 'NEW_IMAGE' },
        ttl: { status: 'ENABLED', attribute_name: 'expires' },
        point_in_time_recovery: { enabled: false },
        deletion_protection: false,
      },
    });
    expect(before.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(JSON.stringify(before)).not.toMatch(/ItemCount|item_count|TableSizeBytes|NumberOfDecreases/i);
    expect(after.attributes).toMatchObject({ point_in_time_recovery: { enabled: true, recovery_period_days: 7 } });

    // elava.posture, compiled: no point-in-time recovery warns, and stops warning once it is on.
    expect((await posture(before)).warn).toEqual([`DynamoDB table ${name} has no point-in-time recovery`]);
    expect((await posture(after)).warn).toEqual([]);
  });

  it('pages through more tables than one page holds', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `bulk-${RUN}-${i}`);
    for (const n of names) await create(n);
    const { pages, all, stats } = await scan('dynamodb.table', REGION, 3);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...pages.map((p) => p.length))).toBeLessThanOrEqual(3);
    expect(all.map((r) => r.native_id)).toEqual(expect.arrayContaining(names));
    expect(stats.operations.get('ListTables')).toBe(pages.length);
  });
});

describe('cloudfront.distribution (global)', () => {
  const cf = () => new CloudFrontClient(sdk('us-east-1'));
  const config = (ref: string): DistributionConfig => ({
    CallerReference: ref,
    Comment: 'edge',
    Enabled: true,
    Aliases: { Quantity: 2, Items: [`www-${ref}.example.com`, `cdn-${ref}.example.com`] },
    Origins: {
      Quantity: 2,
      Items: [
        {
          Id: 'site',
          DomainName: 'site.example.com',
          CustomHeaders: { Quantity: 1, Items: [{ HeaderName: 'X-Origin-Secret', HeaderValue: 'hunter2-origin' }] },
          CustomOriginConfig: {
            HTTPPort: 80,
            HTTPSPort: 443,
            OriginProtocolPolicy: 'https-only',
            OriginSslProtocols: { Quantity: 2, Items: ['TLSv1.2', 'TLSv1.1'] },
          },
        },
        {
          Id: 'assets',
          DomainName: 'assets.s3.amazonaws.com',
          S3OriginConfig: { OriginAccessIdentity: '' },
        },
      ],
    },
    DefaultCacheBehavior: {
      TargetOriginId: 'site',
      ViewerProtocolPolicy: 'redirect-to-https',
      CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
    },
    Logging: { Enabled: true, IncludeCookies: false, Bucket: 'logs.s3.amazonaws.com', Prefix: 'cf/' },
    PriceClass: 'PriceClass_100',
  });
  const update = async (id: string, edit: (c: DistributionConfig) => void) => {
    const got = await cf().send(new GetDistributionConfigCommand({ Id: id }));
    const c = got.DistributionConfig as DistributionConfig;
    edit(c);
    await cf().send(new UpdateDistributionCommand({ Id: id, IfMatch: got.ETag, DistributionConfig: c }));
  };

  it('reads aliases, origins, behaviour, certificate and logging, never a header value', async () => {
    const created = await cf().send(new CreateDistributionCommand({ DistributionConfig: config(`d-${RUN}`) }));
    const id = created.Distribution?.Id as string;
    const arn = created.Distribution?.ARN as string;
    expect(arn).toBe(`arn:aws:cloudfront::${ACCOUNT}:distribution/${id}`);
    const { before, after } = await lifecycle({
      type: 'cloudfront.distribution',
      region: 'global',
      nativeId: id,
      arn,
      missingId: 'E0000MISSING00',
      change: async () => {
        await cf().send(new CfTagResourceCommand({ Resource: arn, Tags: { Items: [{ Key: 'team', Value: 'edge' }] } }));
        await update(id, (c) => {
          c.PriceClass = 'PriceClass_All';
        });
      },
      changed: ['tags.team', 'attributes.price_class'],
    });
    expect(before).toMatchObject({
      name: `cdn-d-${RUN}.example.com`,
      status: 'enabled',
      attributes: {
        aliases: [`cdn-d-${RUN}.example.com`, `www-d-${RUN}.example.com`],
        enabled: true,
        comment: 'edge',
        price_class: 'PriceClass_100',
        origins: [
          { id: 'assets', domain_name: 'assets.s3.amazonaws.com', custom_header_names: [] },
          {
            id: 'site',
            domain_name: 'site.example.com',
            origin_protocol_policy: 'https-only',
            origin_ssl_protocols: ['TLSv1.1', 'TLSv1.2'],
            custom_header_names: ['X-Origin-Secret'],
          },
        ],
        default_cache_behavior: { target_origin_id: 'site', viewer_protocol_policy: 'redirect-to-https' },
        viewer_certificate: { cloudfront_default_certificate: true },
        logging: { enabled: true, bucket: 'logs.s3.amazonaws.com', prefix: 'cf/' },
      },
    });
    const site = (before.attributes.origins as { id: string; custom_headers_sha256?: string }[])[1];
    expect(site?.custom_headers_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(before)).not.toContain('hunter2');
    expect(JSON.stringify(before)).not.toMatch(/ETag|LastModified|InProgress/i);

    // elava.posture: the default certificate allows TLSv1; a custom certificate at TLSv1.2_2021 does not.
    expect((await posture(after)).warn).toEqual([
      `CloudFront distribution ${id} allows TLS below 1.2: the default CloudFront certificate (TLSv1 allowed)`,
    ]);
    await update(id, (c) => {
      c.ViewerCertificate = {
        CloudFrontDefaultCertificate: false,
        ACMCertificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/${RUN}`,
        SSLSupportMethod: 'sni-only',
        MinimumProtocolVersion: 'TLSv1.2_2021',
      };
    });
    const custom = await one('cloudfront.distribution', 'global', id);
    expect(custom.attributes.viewer_certificate).toEqual({
      cloudfront_default_certificate: false,
      acm_certificate_arn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/${RUN}`,
      ssl_support_method: 'sni-only',
      minimum_protocol_version: 'TLSv1.2_2021',
    });
    expect((await posture(custom)).warn).toEqual([]);
  });

  it('pages through more distributions than one page holds', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const d = await cf().send(new CreateDistributionCommand({ DistributionConfig: config(`p${i}-${RUN}`) }));
      ids.push(d.Distribution?.Id as string);
    }
    const { pages, all, stats } = await scan('cloudfront.distribution', 'global', 2);
    expect(Math.max(...pages.map((p) => p.length))).toBeLessThanOrEqual(2);
    expect(all.map((r) => r.native_id)).toEqual(expect.arrayContaining(ids));
    expect(stats.operations.get('ListDistributions')).toBe(pages.length);
  });
});

describe('route53.hosted_zone (global)', () => {
  const r53 = () => new Route53Client(sdk('us-east-1'));
  const zoneIdOf = (path: string | undefined) => (path ?? '').replace('/hostedzone/', '');

  it('reads a public zone with its DNSSEC status, and a private one with its VPCs sorted', async () => {
    const pub = await r53().send(
      new CreateHostedZoneCommand({
        Name: `pub-${RUN}.example.com`,
        CallerReference: `pub-${RUN}`,
        HostedZoneConfig: { Comment: 'public', PrivateZone: false },
      }),
    );
    const id = zoneIdOf(pub.HostedZone?.Id);
    const { before } = await lifecycle({
      type: 'route53.hosted_zone',
      region: 'global',
      nativeId: id,
      arn: `arn:aws:route53:::hostedzone/${id}`,
      missingId: 'Z0000000000MISSING',
      change: async () => {
        await r53().send(
          new ChangeTagsForResourceCommand({
            ResourceType: 'hostedzone',
            ResourceId: id,
            AddTags: [{ Key: 'team', Value: 'dns' }],
          }),
        );
        await r53().send(new UpdateHostedZoneCommentCommand({ Id: id, Comment: 'public, reviewed' }));
      },
      changed: ['tags.team', 'attributes.comment'],
    });
    expect(before).toMatchObject({
      name: `pub-${RUN}.example.com.`,
      status: 'active',
      attributes: {
        zone_name: `pub-${RUN}.example.com.`,
        private_zone: false,
        comment: 'public',
        vpcs: [],
        dnssec_status: 'NOT_SIGNING',
      },
    });
    expect(JSON.stringify(before)).not.toMatch(/ResourceRecordSetCount|record_set_count/i);

    const ec2 = new EC2Client(sdk('us-east-1'));
    const vpcB = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.51.0.0/16' }))).Vpc?.VpcId as string;
    const vpcA = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.52.0.0/16' }))).Vpc?.VpcId as string;
    const priv = await r53().send(
      new CreateHostedZoneCommand({
        Name: `priv-${RUN}.internal`,
        CallerReference: `priv-${RUN}`,
        HostedZoneConfig: { Comment: 'private', PrivateZone: true },
        VPC: { VPCId: vpcB, VPCRegion: 'us-east-1' },
      }),
    );
    const privId = zoneIdOf(priv.HostedZone?.Id);
    await r53().send(
      new AssociateVPCWithHostedZoneCommand({ HostedZoneId: privId, VPC: { VPCId: vpcA, VPCRegion: 'us-east-1' } }),
    );
    const vpcs = [
      { vpc_id: vpcA, region: 'us-east-1' },
      { vpc_id: vpcB, region: 'us-east-1' },
    ].sort((x, y) => (x.vpc_id < y.vpc_id ? -1 : 1));
    const listed = await one('route53.hosted_zone', 'global', privId);
    expect(listed.attributes).toEqual({
      arn: `arn:aws:route53:::hostedzone/${privId}`,
      zone_name: `priv-${RUN}.internal.`,
      private_zone: true,
      comment: 'private',
      vpcs,
    });
    // Read by id (GetHostedZone) and by the list: the same record.
    expect(await readOne(PROVIDERS['route53.hosted_zone'], ctxFor('global'), privId)).toEqual(listed);
  });

  it('pages through more zones than one page holds', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const z = await r53().send(
        new CreateHostedZoneCommand({ Name: `p${i}-${RUN}.example.org`, CallerReference: `p${i}-${RUN}` }),
      );
      ids.push(zoneIdOf(z.HostedZone?.Id));
    }
    const { pages, all, stats } = await scan('route53.hosted_zone', 'global', 2);
    expect(Math.max(...pages.map((p) => p.length))).toBeLessThanOrEqual(2);
    expect(all.map((r) => r.native_id)).toEqual(expect.arrayContaining(ids));
    expect(stats.operations.get('ListHostedZones')).toBe(pages.length);
  });
});

describe('cloudtrail.trail', () => {
  const ct = (region = REGION) => new CloudTrailClient(sdk(region));
  const bucket = async (region: string) => {
    const name = `trail-${region}-${RUN}`;
    await new S3Client({ ...sdk(region), forcePathStyle: true }).send(
      new CreateBucketCommand({
        Bucket: name,
        ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as 'eu-west-2' } }),
      }),
    );
    return name;
  };

  it('reads a trail of its home region, with logging status and event selectors', async () => {
    const name = `audit-${RUN}`;
    const created = await ct().send(
      new CreateTrailCommand({
        Name: name,
        S3BucketName: await bucket(REGION),
        S3KeyPrefix: 'ct',
        IsMultiRegionTrail: false,
        EnableLogFileValidation: true,
        TagsList: [{ Key: 'team', Value: 'security' }],
      }),
    );
    await ct().send(
      new PutEventSelectorsCommand({
        TrailName: name,
        EventSelectors: [
          {
            ReadWriteType: 'WriteOnly',
            IncludeManagementEvents: true,
            DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::b2/', 'arn:aws:s3:::a1/'] }],
          },
        ],
      }),
    );
    const arn = created.TrailARN as string;
    const { before, after } = await lifecycle({
      type: 'cloudtrail.trail',
      region: REGION,
      nativeId: name,
      arn,
      missingId: `missing-${RUN}`,
      change: async () => {
        await ct().send(new AddTagsCommand({ ResourceId: arn, TagsList: [{ Key: 'tier', Value: 'gold' }] }));
        await ct().send(new StartLoggingCommand({ Name: name }));
      },
      // Logging is the trail's status as well as an attribute.
      changed: ['tags.tier', 'attributes.is_logging', 'status'],
    });
    expect(before).toMatchObject({
      name,
      status: 'stopped',
      tags: { team: 'security' },
      attributes: {
        home_region: REGION,
        is_multi_region_trail: false,
        log_file_validation_enabled: true,
        s3_key_prefix: 'ct',
        is_logging: false,
        event_selectors: [
          {
            read_write_type: 'WriteOnly',
            include_management_events: true,
            exclude_management_event_sources: [],
            data_resources: [{ type: 'AWS::S3::Object', values: ['arn:aws:s3:::a1/', 'arn:aws:s3:::b2/'] }],
          },
        ],
        advanced_event_selectors: [],
      },
    });
    expect(after.status).toBe('logging');
    // A logging trail's delivery times move on every read; the record does not.
    expect(await one('cloudtrail.trail', REGION, name)).toEqual(after);

    // elava.posture: not logging is denied, single-region warns; once logging only the warning stays.
    expect(await posture(before)).toEqual({
      deny: [`CloudTrail trail ${name} is not logging`],
      warn: [`CloudTrail trail ${name} records only its home region ${REGION}`],
    });
    expect(await posture(after)).toEqual({
      deny: [],
      warn: [`CloudTrail trail ${name} records only its home region ${REGION}`],
    });
  });

  it('records a multi-region trail once, in its home region, not as a shadow elsewhere', async () => {
    const name = `org-wide-${RUN}`;
    await ct('us-east-1').send(
      new CreateTrailCommand({ Name: name, S3BucketName: await bucket('us-east-1'), IsMultiRegionTrail: true }),
    );
    await ct('us-east-1').send(new StartLoggingCommand({ Name: name }));
    const home = await one('cloudtrail.trail', 'us-east-1', name);
    expect(home.attributes).toMatchObject({ is_multi_region_trail: true, home_region: 'us-east-1', is_logging: true });
    expect(await posture(home)).toEqual({ deny: [], warn: [] });
    expect((await scan('cloudtrail.trail', REGION)).all.map((r) => r.native_id)).not.toContain(name);
    expect(await readOne(PROVIDERS['cloudtrail.trail'], ctxFor(REGION), name)).toBeUndefined();
  });
});

describe('logs.log_group', () => {
  const logs = () => new CloudWatchLogsClient(sdk());

  it('reads retention and tags by name, the exact name only', async () => {
    const name = `/elava/${RUN}/app`;
    await logs().send(new CreateLogGroupCommand({ logGroupName: name, tags: { team: 'app' } }));
    // Shares the name as a prefix: asked for `name`, this one must not answer.
    await logs().send(new CreateLogGroupCommand({ logGroupName: `${name}-worker` }));
    await logs().send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: 30 }));
    const arn = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`;
    const { before } = await lifecycle({
      type: 'logs.log_group',
      region: REGION,
      nativeId: name,
      arn,
      missingId: `/elava/${RUN}/ap`,
      change: async () => {
        await logs().send(new LogsTagResourceCommand({ resourceArn: arn, tags: { tier: 'gold' } }));
        await logs().send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: 90 }));
      },
      changed: ['tags.tier', 'attributes.retention_days'],
    });
    expect(before).toMatchObject({
      name,
      status: 'active',
      tags: { team: 'app' },
      attributes: { arn, retention_days: 30, log_group_class: 'STANDARD', deletion_protection: false },
    });
    expect(before.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(JSON.stringify(before)).not.toMatch(/storedBytes|stored_bytes|:\*/);
  });

  it('pages through more log groups than one page holds', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `/elava/${RUN}/bulk-${i}`);
    for (const n of names) await logs().send(new CreateLogGroupCommand({ logGroupName: n }));
    const { pages, all, stats } = await scan('logs.log_group', REGION, 3);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...pages.map((p) => p.length))).toBeLessThanOrEqual(3);
    expect(all.map((r) => r.native_id)).toEqual(expect.arrayContaining(names));
    expect(stats.operations.get('DescribeLogGroups')).toBe(pages.length);
  });
});

describe('EC2: launch templates, key pairs, network ACLs, VPC endpoints', () => {
  const ec2 = () => new EC2Client(sdk());
  const arnOf = (kind: string, id: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:${kind}/${id}`;
  const vpc = async (cidr: string) =>
    (await ec2().send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc?.VpcId as string;
  const tag = (id: string, key: string, value: string) =>
    ec2().send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: key, Value: value }] }));

  it('launch template: the default version, user data as a hash only', async () => {
    const v = await vpc('10.60.0.0/16');
    const sg = async (n: string) =>
      (await ec2().send(new CreateSecurityGroupCommand({ GroupName: `${n}-${RUN}`, Description: n, VpcId: v })))
        .GroupId as string;
    const [sgA, sgB] = [await sg('b'), await sg('a')];
    const script = `#!/bin/sh\nexport TOKEN=s3cr3t-${RUN}\n`;
    const userData = Buffer.from(script).toString('base64');
    const data = {
      ImageId: 'ami-12c6146b',
      InstanceType: 't3.micro' as const,
      SecurityGroupIds: [sgA, sgB],
      IamInstanceProfile: { Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/web` },
      UserData: userData,
      MetadataOptions: { HttpTokens: 'required' as const, HttpEndpoint: 'enabled' as const },
    };
    const created = await ec2().send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `web-${RUN}`,
        LaunchTemplateData: data,
        TagSpecifications: [{ ResourceType: 'launch-template', Tags: [{ Key: 'team', Value: 'web' }] }],
      }),
    );
    const id = created.LaunchTemplate?.LaunchTemplateId as string;
    const { before, after } = await lifecycle({
      type: 'ec2.launch_template',
      region: REGION,
      nativeId: id,
      arn: arnOf('launch-template', id),
      missingId: 'lt-0123456789abcdef0',
      // moto reports a launch template's tags as they were at creation: tags written later are
      // checked in its tag store, and the change below is the new version alone.
      storedTags: async () =>
        Object.fromEntries(
          (
            (await ec2().send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [id] }] }))).Tags ?? []
          ).map((t) => [t.Key, t.Value]),
        ),
      change: async () => {
        await ec2().send(
          new CreateLaunchTemplateVersionCommand({
            LaunchTemplateId: id,
            // The whole data: moto ignores SourceVersion (AWS would start from version 1's).
            LaunchTemplateData: { ...data, InstanceType: 't3.large' },
          }),
        );
      },
      // A new version that is not the default changes only the latest version number.
      changed: ['attributes.latest_version'],
    });
    expect(before).toMatchObject({
      name: `web-${RUN}`,
      tags: { team: 'web' },
      attributes: {
        launch_template_name: `web-${RUN}`,
        default_version: 1,
        latest_version: 1,
        default_version_data: {
          image_id: 'ami-12c6146b',
          instance_type: 't3.micro',
          security_group_ids: [sgA, sgB].sort(),
          iam_instance_profile: `arn:aws:iam::${ACCOUNT}:instance-profile/web`,
          user_data_sha256: createHash('sha256').update(script).digest('hex'),
          metadata_http_tokens: 'required',
        },
      },
    });
    expect(JSON.stringify(before)).not.toContain('s3cr3t');
    expect(JSON.stringify(before)).not.toContain(userData);
    expect(after.attributes.latest_version).toBe(2);

    await ec2().send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: '2' }));
    const switched = await one('ec2.launch_template', REGION, id);
    expect(changedPaths('ec2.launch_template', after, switched)).toEqual([
      'attributes.default_version',
      'attributes.default_version_data.instance_type',
    ]);
    expect(switched.attributes.default_version_data).toMatchObject({ instance_type: 't3.large' });
  });

  it('key pair: id, name, type and fingerprint, never the private key', async () => {
    const created = await ec2().send(
      new CreateKeyPairCommand({
        KeyName: `deploy-${RUN}`,
        KeyType: 'ed25519',
        TagSpecifications: [{ ResourceType: 'key-pair', Tags: [{ Key: 'team', Value: 'ops' }] }],
      }),
    );
    const id = created.KeyPairId as string;
    // A key pair has no attribute that can change: the change is a tag alone.
    const { before } = await lifecycle({
      type: 'ec2.key_pair',
      region: REGION,
      nativeId: id,
      arn: arnOf('key-pair', `deploy-${RUN}`),
      missingId: 'key-0123456789abcdef0',
      change: () => tag(id, 'tier', 'gold').then(() => undefined),
      changed: ['tags.tier'],
    });
    expect(before).toMatchObject({
      name: `deploy-${RUN}`,
      tags: { team: 'ops' },
      attributes: { key_name: `deploy-${RUN}`, key_type: 'ed25519', fingerprint: created.KeyFingerprint },
    });
    expect(JSON.stringify(before)).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(before)).not.toContain((created.KeyMaterial as string).split('\n')[1]);
  });

  it('network ACL: entries keyed by direction and rule number, associations sorted', async () => {
    const v = await vpc('10.61.0.0/16');
    const acl = (await ec2().send(new CreateNetworkAclCommand({ VpcId: v }))).NetworkAcl?.NetworkAclId as string;
    const entry = (egress: boolean, n: number, action: 'allow' | 'deny', port?: number) =>
      ec2().send(
        new CreateNetworkAclEntryCommand({
          NetworkAclId: acl,
          Egress: egress,
          RuleNumber: n,
          Protocol: port ? '6' : '-1',
          RuleAction: action,
          CidrBlock: '0.0.0.0/0',
          PortRange: port ? { From: port, To: port } : undefined,
        }),
      );
    await entry(false, 100, 'allow', 443);
    await entry(true, 100, 'allow');
    await tag(acl, 'Name', `edge-${RUN}`);
    // moto does not implement the `network-acl-id` filter the reader asks by id with (AWS does):
    // readOne is not exercised here.
    const { before } = await lifecycle({
      type: 'ec2.network_acl',
      region: REGION,
      nativeId: acl,
      arn: arnOf('network-acl', acl),
      change: async () => {
        await tag(acl, 'tier', 'gold');
        await entry(false, 200, 'deny', 22);
      },
      changed: ['tags.tier', 'attributes.entries[rule_key=ingress:200]'],
    });
    expect(before).toMatchObject({
      name: `edge-${RUN}`,
      status: 'active',
      attributes: { vpc_id: v, is_default: false, subnet_ids: [] },
    });

    // Two subnets moved over from the VPC's default ACL: listed sorted, whatever the order.
    const subnets: string[] = [];
    for (const cidr of ['10.61.2.0/24', '10.61.1.0/24']) {
      const subnet = (await ec2().send(new CreateSubnetCommand({ VpcId: v, CidrBlock: cidr }))).Subnet?.SubnetId ?? '';
      const current = await ec2().send(
        new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnet] }] }),
      );
      const association = current.NetworkAcls?.[0]?.Associations?.find((a) => a.SubnetId === subnet);
      await ec2().send(
        new ReplaceNetworkAclAssociationCommand({
          AssociationId: association?.NetworkAclAssociationId,
          NetworkAclId: acl,
        }),
      );
      subnets.push(subnet);
    }
    const associated = await one('ec2.network_acl', REGION, acl);
    expect(associated.attributes.subnet_ids).toEqual([...subnets].sort());
    expect(await one('ec2.network_acl', REGION, acl)).toEqual(associated);
    const entries = before.attributes.entries as { rule_key: string }[];
    expect(entries.map((e) => e.rule_key)).toEqual(['egress:100', 'ingress:100']);
    expect(entries[1]).toMatchObject({
      rule_key: 'ingress:100',
      direction: 'ingress',
      rule_number: 100,
      protocol: '6',
      rule_action: 'allow',
      cidr_block: '0.0.0.0/0',
      from_port: 443,
      to_port: 443,
    });
  });

  it('VPC endpoint: type, service, route tables sorted, policy normalised', async () => {
    const v = await vpc('10.62.0.0/16');
    const rt = async () =>
      (await ec2().send(new CreateRouteTableCommand({ VpcId: v }))).RouteTable?.RouteTableId as string;
    const [rt1, rt2, rt3] = [await rt(), await rt(), await rt()];
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: ['arn:aws:s3:::b/*', 'arn:aws:s3:::a/*'] },
        { Effect: 'Deny', Principal: { AWS: ['arn:aws:iam::111122223333:root'] }, Action: ['s3:*'], Resource: '*' },
      ],
    };
    const created = await ec2().send(
      new CreateVpcEndpointCommand({
        VpcId: v,
        VpcEndpointType: 'Gateway',
        ServiceName: `com.amazonaws.${REGION}.s3`,
        RouteTableIds: [rt2, rt1],
        PolicyDocument: JSON.stringify(policy),
        TagSpecifications: [{ ResourceType: 'vpc-endpoint', Tags: [{ Key: 'team', Value: 'net' }] }],
      }),
    );
    const id = created.VpcEndpoint?.VpcEndpointId as string;
    // moto does not implement the `vpc-endpoint-id` filter the reader asks by id with (AWS does):
    // readOne is not exercised here.
    const { before } = await lifecycle({
      type: 'ec2.vpc_endpoint',
      region: REGION,
      nativeId: id,
      arn: arnOf('vpc-endpoint', id),
      change: async () => {
        await tag(id, 'tier', 'gold');
        await ec2().send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, AddRouteTableIds: [rt3] }));
      },
      changed: ['tags.tier', `attributes.route_table_ids["${rt3}"]`],
    });
    expect(before).toMatchObject({
      status: 'available',
      tags: { team: 'net' },
      attributes: {
        vpc_endpoint_type: 'Gateway',
        service_name: `com.amazonaws.${REGION}.s3`,
        vpc_id: v,
        state: 'available',
        route_table_ids: [rt1, rt2].sort(),
        subnet_ids: [],
        security_group_ids: [],
        policy: {
          version: '2012-10-17',
          // In the order of their content: `s3:*` sorts before `s3:GetObject`.
          statements: [
            { effect: 'Deny', principal: ['AWS:arn:aws:iam::111122223333:root'], action: ['s3:*'], resource: ['*'] },
            {
              effect: 'Allow',
              principal: ['*'],
              action: ['s3:GetObject'],
              resource: ['arn:aws:s3:::a/*', 'arn:aws:s3:::b/*'],
            },
          ],
        },
      },
    });
  });

  it('an interface endpoint: subnets and security groups sorted, private DNS as set', async () => {
    const v = await vpc('10.63.0.0/16');
    const subnet = async (cidr: string) =>
      (await ec2().send(new CreateSubnetCommand({ VpcId: v, CidrBlock: cidr }))).Subnet?.SubnetId as string;
    const [s1, s2] = [await subnet('10.63.1.0/24'), await subnet('10.63.2.0/24')];
    const sg = (
      await ec2().send(new CreateSecurityGroupCommand({ GroupName: `vpce-${RUN}`, Description: 'x', VpcId: v }))
    ).GroupId as string;
    const created = await ec2().send(
      new CreateVpcEndpointCommand({
        VpcId: v,
        VpcEndpointType: 'Interface',
        ServiceName: `com.amazonaws.${REGION}.sqs`,
        SubnetIds: [s2, s1],
        SecurityGroupIds: [sg],
        // Off, where moto's default is on: the reader reports what is set.
        PrivateDnsEnabled: false,
      }),
    );
    const id = created.VpcEndpoint?.VpcEndpointId as string;
    expect((await one('ec2.vpc_endpoint', REGION, id)).attributes).toMatchObject({
      vpc_endpoint_type: 'Interface',
      subnet_ids: [s1, s2].sort(),
      security_group_ids: [sg],
      private_dns_enabled: false,
    });
  });
});
