import {
  APIGatewayClient,
  TagResourceCommand as ApigwTag,
  CreateRestApiCommand,
  UpdateRestApiCommand,
} from '@aws-sdk/client-api-gateway';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateOrUpdateTagsCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  TagResourceCommand as CfTag,
  CloudFrontClient,
  CreateDistributionWithTagsCommand,
} from '@aws-sdk/client-cloudfront';
import { CloudTrailClient, CreateTrailCommand, AddTagsCommand as CtAddTags } from '@aws-sdk/client-cloudtrail';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  TagResourceCommand as LogsTag,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateTableCommand, TagResourceCommand as DdbTag, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateKeyPairCommand,
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  CreateNetworkAclCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DeleteTagsCommand,
  DescribeLaunchTemplatesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateRepositoryCommand, ECRClient, TagResourceCommand as EcrTag } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand as CreateEcsCluster,
  CreateServiceCommand,
  ECSClient,
  TagResourceCommand as EcsTag,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { CreateFileSystemCommand, EFSClient, TagResourceCommand as EfsTag } from '@aws-sdk/client-efs';
import { CreateClusterCommand as CreateEksCluster, EKSClient, TagResourceCommand as EksTag } from '@aws-sdk/client-eks';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  AddTagsCommand as ElbAddTags,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  AddTagsToResourceCommand as CacheAddTags,
  CreateCacheClusterCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import {
  CreateGroupCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetRoleCommand,
  IAMClient,
  PutGroupPolicyCommand,
  TagInstanceProfileCommand,
  TagPolicyCommand,
  TagRoleCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { CreateAliasCommand, CreateKeyCommand, KMSClient, TagResourceCommand as KmsTag } from '@aws-sdk/client-kms';
import { CreateFunctionCommand, LambdaClient, TagResourceCommand as LambdaTag } from '@aws-sdk/client-lambda';
import { ChangeTagsForResourceCommand, CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { type BucketLocationConstraint, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand as SecretTag,
} from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient, TagResourceCommand as SnsTag } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueUrlCommand, SQSClient, TagQueueCommand } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { isGlobalType, RESOURCE_TYPES, type ResourceType } from '@elava/types';

/** What `seedRegion` makes (estate.ts): every other type is `seedEveryType`'s. */
export const SEEDED_BY_REGION = [
  'ec2.instance',
  'ec2.vpc',
  'ec2.subnet',
  'ec2.route_table',
  'ec2.internet_gateway',
  'ec2.nat_gateway',
  'ec2.security_group',
  'ec2.volume',
  'ec2.snapshot',
  'ec2.eip',
  'ec2.network_interface',
  'rds.instance',
  'rds.cluster',
  'rds.snapshot',
  's3.bucket',
] as const satisfies readonly ResourceType[];

/** A type `seedRegion` does not make. */
export type NewType = Exclude<ResourceType, (typeof SEEDED_BY_REGION)[number]>;

const seeded: ReadonlySet<ResourceType> = new Set(SEEDED_BY_REGION);

/**
 * The types `seedRegion` does not make, in the registry's order: what `seedEveryType` makes, one
 * or more of each. Derived from the registry, so a new reader without a maker fails the demo's test.
 */
export const NEW_TYPES: readonly NewType[] = RESOURCE_TYPES.filter((t): t is NewType => !seeded.has(t));

/** Of those, the ones read once per account under the region `global`. */
export const GLOBAL_NEW_TYPES: readonly NewType[] = NEW_TYPES.filter(isGlobalType);

/** Native ids as Elava's readers report them, by type, in creation order (index 0 first). */
export type SeededIds = Partial<Record<ResourceType, string[]>>;

/** What `changeEveryType` did to each type: the change kind a diff of the rescan should show. */
export type ChangeKind = 'tag_drift' | 'modified';

/** Static credentials, or a provider of them (as `@elava/aws`'s `accountAccess` gives). */
export type Credentials =
  | { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | (() => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>);

export interface EveryTypeOptions {
  /** Starts every name; lower-case letters, digits and single hyphens (ECR, S3, ElastiCache, ELB). */
  prefix: string;
  /** Resources of each type; 1 when absent. */
  count?: number;
  /** Also the global types (IAM, CloudFront, Route 53): once per account, not per region. */
  global?: boolean;
  /** Another moto account's credentials (from STS AssumeRole); `testing`/`testing` when absent. */
  credentials?: Credentials;
  /** Calls in flight at once; at most 8, moto being one process. */
  concurrency?: number;
}

const TESTING = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** A zip holding index.js: moto stores and hashes it. */
const ZIP = Buffer.from(
  'UEsDBBQAAAAIAAAAIQD3j2XWDwAAAA0AAAAIAAAAaW5kZXguanPLzE1MTszLzEsBAFBLAQIUABQAAAAIAAAAIQD3j2XWDwAAAA0AAAAIAAAAAAAAAAAAAAAAAAAAAABpbmRleC5qc1BLBQYAAAAAAQABADYAAAA1AAAAAAA=',
  'base64',
);

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: ['lambda.amazonaws.com', 'eks.amazonaws.com', 'ecs-tasks.amazonaws.com'] },
      Action: 'sts:AssumeRole',
    },
  ],
});

const READ_ONLY_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'Read', Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }],
});

/** `fn` over `items`, at most `limit` at a time, results in order. */
async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function must<T>(v: T | undefined | null, what: string): T {
  if (v === undefined || v === null || v === '') throw new Error(`moto answered without ${what}`);
  return v;
}

/** One SDK client of each service this module writes with, for one region and account. */
function clientsFor(endpoint: string, region: string, credentials: EveryTypeOptions['credentials']) {
  const c = { region, endpoint, credentials: credentials ?? TESTING };
  // Global services answer in the partition's home region.
  const home = { ...c, region: 'us-east-1' };
  const all = {
    apigw: new APIGatewayClient(c),
    asg: new AutoScalingClient(c),
    cf: new CloudFrontClient(home),
    ct: new CloudTrailClient(c),
    logs: new CloudWatchLogsClient(c),
    ddb: new DynamoDBClient(c),
    ec2: new EC2Client(c),
    ecr: new ECRClient(c),
    ecs: new ECSClient(c),
    efs: new EFSClient(c),
    eks: new EKSClient(c),
    elb: new ElasticLoadBalancingV2Client(c),
    cache: new ElastiCacheClient(c),
    iam: new IAMClient(home),
    kms: new KMSClient(c),
    lambda: new LambdaClient(c),
    r53: new Route53Client(home),
    s3: new S3Client({ ...c, forcePathStyle: true }),
    sm: new SecretsManagerClient(c),
    sns: new SNSClient(c),
    sqs: new SQSClient(c),
    sts: new STSClient(c),
  };
  return {
    ...all,
    destroy: () => {
      for (const client of Object.values(all)) client.destroy();
    },
  };
}

type Clients = ReturnType<typeof clientsFor>;

const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const ec2Tags = (ResourceType: string, tags: Record<string, string>) =>
  [{ ResourceType, Tags: tagList(tags) }] as never;

/** `…:loadbalancer/app/x/123` → `app/x/123`: the ELBv2 readers' native id. */
const elbId = (arn: string, kind: 'loadbalancer' | 'targetgroup' | 'listener') =>
  arn.slice(arn.indexOf(`:${kind}/`) + kind.length + 2);

function checkPrefix(prefix: string) {
  // ELB names take 32 characters: `<prefix>-lb-9999` must fit.
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(prefix) || prefix.length > 20)
    throw new Error(`prefix ${JSON.stringify(prefix)}: 1-20 lower-case letters, digits and single hyphens`);
}

async function accountOf(c: Clients): Promise<string> {
  return must((await c.sts.send(new GetCallerIdentityCommand({}))).Account, 'an account');
}

/**
 * Creates `count` resources of each of the 30 newer types in `region` (and the 7 global ones when
 * `opts.global`), named `<prefix>-…` and tagged `seeded=<prefix>` where the type takes tags, with
 * one set of what they need (a VPC with two subnets and a security group, a role, a bucket, a
 * launch template, a task definition), itself tagged alike. Writes: it belongs to the demo, never
 * to the readers. Returns the native ids Elava's readers report for each resource made.
 */
export async function seedEveryType(endpoint: string, region: string, opts: EveryTypeOptions): Promise<SeededIds> {
  const { prefix } = opts;
  checkPrefix(prefix);
  const count = opts.count ?? 1;
  const limit = Math.max(1, Math.min(8, opts.concurrency ?? 8));
  const seeded = { seeded: prefix };
  const c = clientsFor(endpoint, region, opts.credentials);
  const ids: SeededIds = {};
  const put = (type: NewType, i: number, id: string) => {
    const list = ids[type] ?? [];
    ids[type] = list;
    list[i] = id;
  };
  const n = (kind: string, i: number) => `${prefix}-${kind}-${i}`;
  try {
    // ------------------------------------------------------------ what the resources need
    const vpc = must(
      (
        await c.ec2.send(
          new CreateVpcCommand({
            CidrBlock: '10.77.0.0/16',
            TagSpecifications: ec2Tags('vpc', { Name: `${prefix}-dep`, ...seeded }),
          }),
        )
      ).Vpc?.VpcId,
      'VpcId',
    );
    const [subnetA, subnetB, sg] = await Promise.all([
      ...['a', 'b'].map(async (az, k) =>
        must(
          (
            await c.ec2.send(
              new CreateSubnetCommand({
                VpcId: vpc,
                CidrBlock: `10.77.${k}.0/24`,
                AvailabilityZone: `${region}${az}`,
                TagSpecifications: ec2Tags('subnet', { Name: `${prefix}-dep-${az}`, ...seeded }),
              }),
            )
          ).Subnet?.SubnetId,
          'SubnetId',
        ),
      ),
      c.ec2
        .send(
          new CreateSecurityGroupCommand({
            GroupName: `${prefix}-dep`,
            Description: 'every-type dependencies',
            VpcId: vpc,
            TagSpecifications: ec2Tags('security-group', { Name: `${prefix}-dep`, ...seeded }),
          }),
        )
        .then((r) => must(r.GroupId, 'GroupId')),
    ]);
    const subnets = [subnetA as string, subnetB as string];
    const bucket = `${prefix}-trail-${region}`;
    const [roleArn, lt, taskDef] = await Promise.all([
      // IAM is global: a second region seeded under the same prefix finds the role there.
      c.iam
        .send(
          new CreateRoleCommand({
            RoleName: `${prefix}-exec-${region}`,
            AssumeRolePolicyDocument: TRUST,
            Tags: tagList(seeded),
          }),
        )
        .then((r) => must(r.Role?.Arn, 'Role.Arn'))
        .catch(async (err) => {
          if ((err as Error).name !== 'EntityAlreadyExists') throw err;
          const got = await c.iam.send(new GetRoleCommand({ RoleName: `${prefix}-exec-${region}` }));
          return must(got.Role?.Arn, 'Role.Arn');
        }),
      c.ec2
        .send(
          new CreateLaunchTemplateCommand({
            LaunchTemplateName: `${prefix}-dep`,
            LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.micro' },
            TagSpecifications: ec2Tags('launch-template', seeded),
          }),
        )
        .then((r) => must(r.LaunchTemplate?.LaunchTemplateId, 'LaunchTemplateId')),
      c.ecs
        .send(
          new RegisterTaskDefinitionCommand({
            family: `${prefix}-td`,
            requiresCompatibilities: ['FARGATE'],
            networkMode: 'awsvpc',
            cpu: '256',
            memory: '512',
            containerDefinitions: [{ name: 'web', image: 'nginx', portMappings: [{ containerPort: 8080 }] }],
          }),
        )
        .then((r) => must(r.taskDefinition?.taskDefinitionArn, 'taskDefinitionArn')),
      c.s3.send(
        new CreateBucketCommand({
          Bucket: bucket,
          ...(region === 'us-east-1'
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
        }),
      ),
    ]);
    // ECS services run in the first seeded cluster.
    const ecsCluster = n('ecs', 0);

    // ------------------------------------------------------------ the resources, type by type
    type Maker = (i: number) => Promise<void>;
    const makers: [NewType, Maker][] = [
      [
        'lambda.function',
        async (i) => {
          await c.lambda.send(
            new CreateFunctionCommand({
              FunctionName: n('fn', i),
              Runtime: 'python3.12',
              Role: roleArn,
              Handler: 'index.handler',
              Code: { ZipFile: ZIP },
              Tags: seeded,
            }),
          );
          put('lambda.function', i, n('fn', i));
        },
      ],
      [
        'sqs.queue',
        async (i) => {
          await c.sqs.send(new CreateQueueCommand({ QueueName: n('q', i), tags: seeded }));
          put('sqs.queue', i, n('q', i));
        },
      ],
      [
        'sns.topic',
        async (i) => {
          await c.sns.send(new CreateTopicCommand({ Name: n('topic', i), Tags: tagList(seeded) }));
          put('sns.topic', i, n('topic', i));
        },
      ],
      [
        'kms.key',
        async (i) => {
          const k = await c.kms.send(
            new CreateKeyCommand({
              Description: n('key', i),
              Tags: Object.entries(seeded).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
            }),
          );
          const id = must(k.KeyMetadata?.KeyId, 'KeyId');
          // The alias is the key's name in Elava.
          await c.kms.send(new CreateAliasCommand({ AliasName: `alias/${n('key', i)}`, TargetKeyId: id }));
          put('kms.key', i, id);
        },
      ],
      [
        'secretsmanager.secret',
        async (i) => {
          await c.sm.send(
            new CreateSecretCommand({ Name: n('secret', i), SecretString: 'not-a-secret', Tags: tagList(seeded) }),
          );
          put('secretsmanager.secret', i, n('secret', i));
        },
      ],
      [
        'ecr.repository',
        async (i) => {
          await c.ecr.send(new CreateRepositoryCommand({ repositoryName: n('repo', i), tags: tagList(seeded) }));
          put('ecr.repository', i, n('repo', i));
        },
      ],
      [
        // A target group, a load balancer and its listener forwarding to the group: one of each per i.
        'elbv2.load_balancer',
        async (i) => {
          const tg = must(
            (
              await c.elb.send(
                new CreateTargetGroupCommand({
                  Name: n('tg', i),
                  Protocol: 'HTTP',
                  Port: 8080,
                  VpcId: vpc,
                  TargetType: 'ip',
                  Tags: tagList(seeded),
                }),
              )
            ).TargetGroups?.[0]?.TargetGroupArn,
            'TargetGroupArn',
          );
          const lb = must(
            (
              await c.elb.send(
                new CreateLoadBalancerCommand({
                  Name: n('lb', i),
                  Type: 'application',
                  Scheme: 'internal',
                  Subnets: subnets,
                  SecurityGroups: [sg as string],
                  Tags: tagList(seeded),
                }),
              )
            ).LoadBalancers?.[0]?.LoadBalancerArn,
            'LoadBalancerArn',
          );
          const listener = must(
            (
              await c.elb.send(
                new CreateListenerCommand({
                  LoadBalancerArn: lb,
                  Protocol: 'HTTP',
                  Port: 80,
                  DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }],
                  Tags: tagList(seeded),
                }),
              )
            ).Listeners?.[0]?.ListenerArn,
            'ListenerArn',
          );
          put('elbv2.target_group', i, elbId(tg, 'targetgroup'));
          put('elbv2.load_balancer', i, elbId(lb, 'loadbalancer'));
          put('elbv2.listener', i, elbId(listener, 'listener'));
        },
      ],
      [
        'autoscaling.group',
        async (i) => {
          await c.asg.send(
            new CreateAutoScalingGroupCommand({
              AutoScalingGroupName: n('asg', i),
              MinSize: 0,
              MaxSize: 1,
              DesiredCapacity: 0,
              LaunchTemplate: { LaunchTemplateId: lt, Version: '$Latest' },
              VPCZoneIdentifier: subnets.join(','),
              Tags: Object.entries(seeded).map(([Key, Value]) => ({ Key, Value, PropagateAtLaunch: false })),
            }),
          );
          put('autoscaling.group', i, n('asg', i));
        },
      ],
      [
        'ecs.cluster',
        async (i) => {
          if (i === 0) return; // made first, below: the services run in it
          await c.ecs.send(
            new CreateEcsCluster({ clusterName: n('ecs', i), tags: [{ key: 'seeded', value: prefix }] }),
          );
          put('ecs.cluster', i, n('ecs', i));
        },
      ],
      [
        'ecs.service',
        async (i) => {
          await c.ecs.send(
            new CreateServiceCommand({
              cluster: ecsCluster,
              serviceName: n('svc', i),
              taskDefinition: taskDef,
              desiredCount: 0,
              launchType: 'FARGATE',
              networkConfiguration: {
                awsvpcConfiguration: { subnets, securityGroups: [sg as string], assignPublicIp: 'DISABLED' },
              },
              tags: [{ key: 'seeded', value: prefix }],
            }),
          );
          put('ecs.service', i, `${ecsCluster}/${n('svc', i)}`);
        },
      ],
      [
        'eks.cluster',
        async (i) => {
          await c.eks.send(
            new CreateEksCluster({
              name: n('eks', i),
              version: '1.31',
              roleArn,
              resourcesVpcConfig: { subnetIds: subnets, securityGroupIds: [sg as string] },
              tags: seeded,
            }),
          );
          put('eks.cluster', i, n('eks', i));
        },
      ],
      [
        'efs.file_system',
        async (i) => {
          const fs = await c.efs.send(
            new CreateFileSystemCommand({
              CreationToken: `${n('fs', i)}-${region}`,
              Encrypted: true,
              Tags: tagList({ Name: n('fs', i), ...seeded }),
            }),
          );
          put('efs.file_system', i, must(fs.FileSystemId, 'FileSystemId'));
        },
      ],
      [
        'elasticache.cluster',
        async (i) => {
          await c.cache.send(
            new CreateCacheClusterCommand({
              CacheClusterId: n('cache', i),
              Engine: 'redis',
              CacheNodeType: 'cache.t3.micro',
              NumCacheNodes: 1,
              SecurityGroupIds: [sg as string],
              Tags: tagList(seeded),
            }),
          );
          put('elasticache.cluster', i, n('cache', i));
        },
      ],
      [
        'apigateway.rest_api',
        async (i) => {
          const api = await c.apigw.send(
            new CreateRestApiCommand({
              name: n('api', i),
              description: 'every type',
              endpointConfiguration: { types: ['REGIONAL'] },
              tags: seeded,
            }),
          );
          put('apigateway.rest_api', i, must(api.id, 'RestApi.id'));
        },
      ],
      [
        'dynamodb.table',
        async (i) => {
          await c.ddb.send(
            new CreateTableCommand({
              TableName: n('table', i),
              AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
              KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
              BillingMode: 'PAY_PER_REQUEST',
              Tags: tagList(seeded),
            }),
          );
          put('dynamodb.table', i, n('table', i));
        },
      ],
      [
        'cloudtrail.trail',
        async (i) => {
          await c.ct.send(
            new CreateTrailCommand({
              Name: n('trail', i),
              S3BucketName: bucket,
              IsMultiRegionTrail: false,
              TagsList: tagList(seeded),
            }),
          );
          put('cloudtrail.trail', i, n('trail', i));
        },
      ],
      [
        'logs.log_group',
        async (i) => {
          await c.logs.send(new CreateLogGroupCommand({ logGroupName: n('logs', i), tags: seeded }));
          put('logs.log_group', i, n('logs', i));
        },
      ],
      [
        'ec2.launch_template',
        async (i) => {
          const t = await c.ec2.send(
            new CreateLaunchTemplateCommand({
              LaunchTemplateName: n('lt', i),
              LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.micro' },
              TagSpecifications: ec2Tags('launch-template', seeded),
            }),
          );
          put('ec2.launch_template', i, must(t.LaunchTemplate?.LaunchTemplateId, 'LaunchTemplateId'));
        },
      ],
      [
        'ec2.key_pair',
        async (i) => {
          const k = await c.ec2.send(
            new CreateKeyPairCommand({
              KeyName: n('key', i),
              KeyType: 'ed25519',
              TagSpecifications: ec2Tags('key-pair', seeded),
            }),
          );
          put('ec2.key_pair', i, must(k.KeyPairId, 'KeyPairId'));
        },
      ],
      [
        'ec2.network_acl',
        async (i) => {
          const acl = await c.ec2.send(
            new CreateNetworkAclCommand({
              VpcId: vpc,
              TagSpecifications: ec2Tags('network-acl', { Name: n('acl', i), ...seeded }),
            }),
          );
          put('ec2.network_acl', i, must(acl.NetworkAcl?.NetworkAclId, 'NetworkAclId'));
        },
      ],
      [
        'ec2.vpc_endpoint',
        async (i) => {
          const e = await c.ec2.send(
            new CreateVpcEndpointCommand({
              VpcId: vpc,
              VpcEndpointType: 'Gateway',
              ServiceName: `com.amazonaws.${region}.s3`,
              TagSpecifications: ec2Tags('vpc-endpoint', { Name: n('vpce', i), ...seeded }),
            }),
          );
          put('ec2.vpc_endpoint', i, must(e.VpcEndpoint?.VpcEndpointId, 'VpcEndpointId'));
        },
      ],
    ];
    if (opts.global) {
      makers.push(
        [
          'iam.user',
          async (i) => {
            await c.iam.send(new CreateUserCommand({ UserName: n('user', i), Tags: tagList(seeded) }));
            put('iam.user', i, n('user', i));
          },
        ],
        [
          'iam.role',
          async (i) => {
            await c.iam.send(
              new CreateRoleCommand({ RoleName: n('role', i), AssumeRolePolicyDocument: TRUST, Tags: tagList(seeded) }),
            );
            put('iam.role', i, n('role', i));
          },
        ],
        [
          'iam.group',
          async (i) => {
            // IAM groups take no tags.
            await c.iam.send(new CreateGroupCommand({ GroupName: n('group', i) }));
            put('iam.group', i, n('group', i));
          },
        ],
        [
          'iam.policy',
          async (i) => {
            await c.iam.send(
              new CreatePolicyCommand({
                PolicyName: n('policy', i),
                PolicyDocument: READ_ONLY_POLICY,
                Tags: tagList(seeded),
              }),
            );
            put('iam.policy', i, n('policy', i));
          },
        ],
        [
          'iam.instance_profile',
          async (i) => {
            await c.iam.send(
              new CreateInstanceProfileCommand({ InstanceProfileName: n('profile', i), Tags: tagList(seeded) }),
            );
            put('iam.instance_profile', i, n('profile', i));
          },
        ],
        [
          'cloudfront.distribution',
          async (i) => {
            const ref = `${n('cf', i)}-${region}`;
            const d = await c.cf.send(
              new CreateDistributionWithTagsCommand({
                DistributionConfigWithTags: {
                  DistributionConfig: {
                    CallerReference: ref,
                    Comment: ref,
                    Enabled: true,
                    Aliases: { Quantity: 1, Items: [`${ref}.example.com`] },
                    Origins: {
                      Quantity: 1,
                      Items: [
                        {
                          Id: 'site',
                          DomainName: 'site.example.com',
                          CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'https-only' },
                        },
                      ],
                    },
                    DefaultCacheBehavior: {
                      TargetOriginId: 'site',
                      ViewerProtocolPolicy: 'redirect-to-https',
                      CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
                    },
                  },
                  Tags: { Items: tagList(seeded) },
                },
              }),
            );
            put('cloudfront.distribution', i, must(d.Distribution?.Id, 'Distribution.Id'));
          },
        ],
        [
          'route53.hosted_zone',
          async (i) => {
            const ref = `${n('zone', i)}-${region}`;
            const z = await c.r53.send(
              new CreateHostedZoneCommand({ Name: `${ref}.example.com`, CallerReference: ref }),
            );
            const id = must(z.HostedZone?.Id, 'HostedZone.Id').replace(/^\/hostedzone\//, '');
            // CreateHostedZone takes no tags.
            await c.r53.send(
              new ChangeTagsForResourceCommand({
                ResourceType: 'hostedzone',
                ResourceId: id,
                AddTags: tagList(seeded),
              }),
            );
            put('route53.hosted_zone', i, id);
          },
        ],
      );
    }

    // The first ECS cluster before the services that run in it.
    await c.ecs.send(new CreateEcsCluster({ clusterName: ecsCluster, tags: [{ key: 'seeded', value: prefix }] }));
    put('ecs.cluster', 0, ecsCluster);
    // Interleaved by index, so that every service is busy at once rather than one type after another.
    const jobs: [Maker, number][] = [];
    for (let i = 0; i < count; i++) for (const [, make] of makers) jobs.push([make, i]);
    await mapLimit(jobs, limit, ([make, i]) => make(i));
    return ids;
  } finally {
    c.destroy();
  }
}

/**
 * Makes exactly one observable change to the first seeded resource of each type: the tag
 * `changed=yes` through the service's own tag API, so a rescan sees tag drift; where the type takes
 * no tags (IAM groups) or the emulator does not show them, a change of configuration instead.
 * Returns the change kind each type should show.
 */
export async function changeEveryType(
  endpoint: string,
  region: string,
  seeded: SeededIds,
  opts: { global?: boolean; credentials?: EveryTypeOptions['credentials'] } = {},
): Promise<Partial<Record<ResourceType, ChangeKind>>> {
  const c = clientsFor(endpoint, region, opts.credentials);
  const out: Partial<Record<ResourceType, ChangeKind>> = {};
  const changed = { changed: 'yes' };
  try {
    const account = await accountOf(c);
    const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${account}:${resource}`;
    const elbArn = (kind: string, id: string) => arn('elasticloadbalancing', `${kind}/${id}`);
    const ec2Tag = async (id: string): Promise<ChangeKind> => {
      await c.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: tagList(changed) }));
      return 'tag_drift';
    };
    const changes: Partial<Record<NewType, (id: string) => Promise<ChangeKind>>> = {
      'lambda.function': async (id) => {
        await c.lambda.send(new LambdaTag({ Resource: arn('lambda', `function:${id}`), Tags: changed }));
        return 'tag_drift';
      },
      'sqs.queue': async (id) => {
        const url = must((await c.sqs.send(new GetQueueUrlCommand({ QueueName: id }))).QueueUrl, 'QueueUrl');
        await c.sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: changed }));
        return 'tag_drift';
      },
      'sns.topic': async (id) => {
        await c.sns.send(new SnsTag({ ResourceArn: arn('sns', id), Tags: tagList(changed) }));
        return 'tag_drift';
      },
      'kms.key': async (id) => {
        await c.kms.send(new KmsTag({ KeyId: id, Tags: [{ TagKey: 'changed', TagValue: 'yes' }] }));
        return 'tag_drift';
      },
      'secretsmanager.secret': async (id) => {
        await c.sm.send(new SecretTag({ SecretId: id, Tags: tagList(changed) }));
        return 'tag_drift';
      },
      'ecr.repository': async (id) => {
        await c.ecr.send(new EcrTag({ resourceArn: arn('ecr', `repository/${id}`), tags: tagList(changed) }));
        return 'tag_drift';
      },
      'elbv2.load_balancer': async (id) => {
        await c.elb.send(new ElbAddTags({ ResourceArns: [elbArn('loadbalancer', id)], Tags: tagList(changed) }));
        return 'tag_drift';
      },
      'elbv2.target_group': async (id) => {
        await c.elb.send(new ElbAddTags({ ResourceArns: [elbArn('targetgroup', id)], Tags: tagList(changed) }));
        return 'tag_drift';
      },
      'elbv2.listener': async (id) => {
        await c.elb.send(new ElbAddTags({ ResourceArns: [elbArn('listener', id)], Tags: tagList(changed) }));
        return 'tag_drift';
      },
      'autoscaling.group': async (id) => {
        await c.asg.send(
          new CreateOrUpdateTagsCommand({
            Tags: [
              {
                ResourceId: id,
                ResourceType: 'auto-scaling-group',
                Key: 'changed',
                Value: 'yes',
                PropagateAtLaunch: false,
              },
            ],
          }),
        );
        return 'tag_drift';
      },
      'ecs.cluster': async (id) => {
        await c.ecs.send(
          new EcsTag({ resourceArn: arn('ecs', `cluster/${id}`), tags: [{ key: 'changed', value: 'yes' }] }),
        );
        return 'tag_drift';
      },
      'ecs.service': async (id) => {
        await c.ecs.send(
          new EcsTag({ resourceArn: arn('ecs', `service/${id}`), tags: [{ key: 'changed', value: 'yes' }] }),
        );
        return 'tag_drift';
      },
      'eks.cluster': async (id) => {
        await c.eks.send(new EksTag({ resourceArn: arn('eks', `cluster/${id}`), tags: changed }));
        return 'tag_drift';
      },
      'efs.file_system': async (id) => {
        await c.efs.send(new EfsTag({ ResourceId: id, Tags: tagList(changed) }));
        return 'tag_drift';
      },
      'elasticache.cluster': async (id) => {
        await c.cache.send(
          new CacheAddTags({ ResourceName: arn('elasticache', `cluster:${id}`), Tags: tagList(changed) }),
        );
        return 'tag_drift';
      },
      'apigateway.rest_api': async (id) => {
        try {
          await c.apigw.send(
            new ApigwTag({ resourceArn: `arn:aws:apigateway:${region}::/restapis/${id}`, tags: changed }),
          );
          return 'tag_drift';
        } catch {
          // moto routes `/tags/<arn>` for stage ARNs only (a REST API's gets a 404): the description instead.
          await c.apigw.send(
            new UpdateRestApiCommand({
              restApiId: id,
              patchOperations: [{ op: 'replace', path: '/description', value: 'every type, changed' }],
            }),
          );
          return 'modified';
        }
      },
      'dynamodb.table': async (id) => {
        await c.ddb.send(new DdbTag({ ResourceArn: arn('dynamodb', `table/${id}`), Tags: tagList(changed) }));
        return 'tag_drift';
      },
      'cloudtrail.trail': async (id) => {
        await c.ct.send(new CtAddTags({ ResourceId: arn('cloudtrail', `trail/${id}`), TagsList: tagList(changed) }));
        return 'tag_drift';
      },
      'logs.log_group': async (id) => {
        await c.logs.send(new LogsTag({ resourceArn: arn('logs', `log-group:${id}`), tags: changed }));
        return 'tag_drift';
      },
      'ec2.launch_template': async (id) => {
        await ec2Tag(id);
        const t = await c.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }));
        if (t.LaunchTemplates?.[0]?.Tags?.some((x) => x.Key === 'changed')) return 'tag_drift';
        // moto answers with a template's tags as they were at creation: the tag is taken back and
        // the change is a new version instead.
        await c.ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: tagList(changed) }));
        await c.ec2.send(
          new CreateLaunchTemplateVersionCommand({
            LaunchTemplateId: id,
            LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.small' },
          }),
        );
        return 'modified';
      },
      'ec2.key_pair': ec2Tag,
      'ec2.network_acl': ec2Tag,
      'ec2.vpc_endpoint': ec2Tag,
    };
    if (opts.global) {
      Object.assign(changes, {
        'iam.user': async (id: string) => {
          await c.iam.send(new TagUserCommand({ UserName: id, Tags: tagList(changed) }));
          return 'tag_drift';
        },
        'iam.role': async (id: string) => {
          await c.iam.send(new TagRoleCommand({ RoleName: id, Tags: tagList(changed) }));
          return 'tag_drift';
        },
        // No tags on a group: an inline policy, which touches nothing else.
        'iam.group': async (id: string) => {
          await c.iam.send(
            new PutGroupPolicyCommand({ GroupName: id, PolicyName: 'changed', PolicyDocument: READ_ONLY_POLICY }),
          );
          return 'modified';
        },
        'iam.policy': async (id: string) => {
          await c.iam.send(
            new TagPolicyCommand({ PolicyArn: `arn:aws:iam::${account}:policy/${id}`, Tags: tagList(changed) }),
          );
          return 'tag_drift';
        },
        'iam.instance_profile': async (id: string) => {
          await c.iam.send(new TagInstanceProfileCommand({ InstanceProfileName: id, Tags: tagList(changed) }));
          return 'tag_drift';
        },
        'cloudfront.distribution': async (id: string) => {
          await c.cf.send(
            new CfTag({
              Resource: `arn:aws:cloudfront::${account}:distribution/${id}`,
              Tags: { Items: tagList(changed) },
            }),
          );
          return 'tag_drift';
        },
        'route53.hosted_zone': async (id: string) => {
          await c.r53.send(
            new ChangeTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: id, AddTags: tagList(changed) }),
          );
          return 'tag_drift';
        },
      } satisfies Partial<Record<NewType, (id: string) => Promise<ChangeKind>>>);
    }
    const todo = Object.entries(changes).flatMap(([type, change]) => {
      const first = seeded[type as NewType]?.[0];
      return first && change ? [[type as NewType, first, change] as const] : [];
    });
    await mapLimit(todo, 8, async ([type, id, change]) => {
      out[type] = await change(id);
    });
    return out;
  } finally {
    c.destroy();
  }
}
