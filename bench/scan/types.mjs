#!/usr/bin/env node
// bench/scan/types: the 30 newer resource types on moto. (1) ELAVA_BENCH_COUNT resources of each
// (default 1,000; ELAVA_BENCH_SCALE scales it) seeded with the demo's seedEveryType, then each
// type's reader (PROVIDERS[type].pages, every page) timed next to the bare SDK making the same
// calls (the reader's paginated listing and the same per-item calls, at the same concurrency),
// best of 3 each, alternating. (2) The RSS of this process, which is the scanner's own read path,
// after scanning every type in 10 accounts × 2 regions (accounts by STS AssumeRole, as the scanner
// gets them). Prints figures; asserts nothing. Needs moto (AWS_ENDPOINT_URL, default :5000).
import * as apigw from '@aws-sdk/client-api-gateway';
import * as asg from '@aws-sdk/client-auto-scaling';
import * as cf from '@aws-sdk/client-cloudfront';
import * as ct from '@aws-sdk/client-cloudtrail';
import * as logs from '@aws-sdk/client-cloudwatch-logs';
import * as ddb from '@aws-sdk/client-dynamodb';
import * as ec2 from '@aws-sdk/client-ec2';
import * as ecr from '@aws-sdk/client-ecr';
import * as ecs from '@aws-sdk/client-ecs';
import * as efs from '@aws-sdk/client-efs';
import * as eks from '@aws-sdk/client-eks';
import * as elb from '@aws-sdk/client-elastic-load-balancing-v2';
import * as cache from '@aws-sdk/client-elasticache';
import * as iam from '@aws-sdk/client-iam';
import * as kms from '@aws-sdk/client-kms';
import * as lambda from '@aws-sdk/client-lambda';
import * as r53 from '@aws-sdk/client-route-53';
import * as sm from '@aws-sdk/client-secrets-manager';
import * as sns from '@aws-sdk/client-sns';
import * as sqs from '@aws-sdk/client-sqs';
import { accountAccess, ClientSet, PROVIDERS } from '@elava/aws';
import { GLOBAL_NEW_TYPES, NEW_TYPES, seedEveryType } from '@elava/demo';

const SCALE = Number(process.env.ELAVA_BENCH_SCALE ?? 1);
const COUNT = Math.max(1, Math.round(Number(process.env.ELAVA_BENCH_COUNT ?? 1000) * SCALE));
/** Resources of each type in each of the other 19 scopes of the RSS run. */
const RSS_COUNT = Math.max(1, Math.round(Number(process.env.ELAVA_BENCH_RSS_COUNT ?? Math.min(COUNT, 10))));
const MOTO = process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:5000';
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const ROUNDS = 3;
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
const testing = async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' });
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const mib = (b) => (b / 2 ** 20).toFixed(0);
const log = (s) => console.log(s);
const now = () => performance.now();
const regionOf = (type) => (GLOBAL_NEW_TYPES.includes(type) ? 'global' : REGION);
const prefixFor = (tag) => `bt${tag}-${Math.random().toString(36).slice(2, 8)}`;

log(
  `# bench/scan/types  (node ${process.version}, ${fmt(COUNT)} of each of ${NEW_TYPES.length} types, moto at ${MOTO})`,
);

// ------------------------------------------------------------------ the bare SDK, type by type
// Plain SDK clients (standard retries, no read-only guard), each call counted by one middleware:
// the same count Elava's own ClientSet keeps. The functions make the calls each reader makes, in
// the same order and at the same concurrency, and keep nothing but a count.

/** Per-scope plain clients, made on first use, and the number of calls they sent. */
function bareClients(region) {
  const at = region === 'global' ? 'us-east-1' : region;
  const made = [];
  const stats = { calls: 0 };
  const make = (Ctor, extra = {}) => {
    const client = new Ctor({ region: at, endpoint: MOTO, credentials: testing, ...extra });
    client.middlewareStack.add(
      (next) => async (args) => {
        stats.calls++;
        return next(args);
      },
      { step: 'deserialize', name: 'benchCount' },
    );
    made.push(client);
    return client;
  };
  const lazy = {};
  const get = (key, Ctor) => {
    lazy[key] ??= make(Ctor);
    return lazy[key];
  };
  return {
    stats,
    get apigw() {
      return get('apigw', apigw.APIGatewayClient);
    },
    get asg() {
      return get('asg', asg.AutoScalingClient);
    },
    get cf() {
      return get('cf', cf.CloudFrontClient);
    },
    get ct() {
      return get('ct', ct.CloudTrailClient);
    },
    get logs() {
      return get('logs', logs.CloudWatchLogsClient);
    },
    get ddb() {
      return get('ddb', ddb.DynamoDBClient);
    },
    get ec2() {
      return get('ec2', ec2.EC2Client);
    },
    get ecr() {
      return get('ecr', ecr.ECRClient);
    },
    get ecs() {
      return get('ecs', ecs.ECSClient);
    },
    get efs() {
      return get('efs', efs.EFSClient);
    },
    get eks() {
      return get('eks', eks.EKSClient);
    },
    get elb() {
      return get('elb', elb.ElasticLoadBalancingV2Client);
    },
    get cache() {
      return get('cache', cache.ElastiCacheClient);
    },
    get iam() {
      return get('iam', iam.IAMClient);
    },
    get kms() {
      return get('kms', kms.KMSClient);
    },
    get lambda() {
      return get('lambda', lambda.LambdaClient);
    },
    get r53() {
      return get('r53', r53.Route53Client);
    },
    get sm() {
      return get('sm', sm.SecretsManagerClient);
    },
    get sns() {
      return get('sns', sns.SNSClient);
    },
    get sqs() {
      return get('sqs', sqs.SQSClient);
    },
    destroy() {
      for (const c of made) c.destroy();
    },
  };
}

/** The readers' own helper, restated: `fn` over `items`, `limit` at a time. */
async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
/** readEach / readAll in the readers: 4 at a time. */
const each = (items, fn) => mapLimit(items, 4, fn);
async function seq(items, fn) {
  for (const item of items) await fn(item);
}
async function all(paginator, pick = () => []) {
  const out = [];
  for await (const page of paginator) out.push(...(pick(page) ?? []));
  return out;
}
/** A call whose "none" answer is an error of one of these names. */
const orNone = (p, names) =>
  p.catch((err) => {
    if (names.includes(err.name)) return undefined;
    throw err;
  });
const gone = (p) =>
  p.catch((err) => {
    if (/NotFound|NoSuch|DoesNotExist|NonExistent/.test(err.name ?? '')) return undefined;
    throw err;
  });

/** ELBv2's DescribeTags: 20 ARNs a call, one batch after the other. */
async function elbTags(c, arns) {
  for (let i = 0; i < arns.length; i += 20)
    await c.elb.send(new elb.DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }));
}

const BARE = {
  'iam.user': async (c) => {
    let n = 0;
    for await (const page of iam.paginateListUsers({ client: c.iam }, {})) {
      const names = (page.Users ?? []).map((u) => u.UserName);
      n += names.length;
      await each(names, async (UserName) => {
        await c.iam.send(new iam.GetUserCommand({ UserName }));
        const q = { UserName };
        const [, inline, , keys] = await Promise.all([
          all(iam.paginateListAttachedUserPolicies({ client: c.iam }, q)),
          all(iam.paginateListUserPolicies({ client: c.iam }, q), (p) => p.PolicyNames),
          all(iam.paginateListGroupsForUser({ client: c.iam }, q)),
          all(iam.paginateListAccessKeys({ client: c.iam }, q), (p) => p.AccessKeyMetadata),
          all(iam.paginateListMFADevices({ client: c.iam }, q)),
          orNone(c.iam.send(new iam.GetLoginProfileCommand(q)), ['NoSuchEntityException', 'NoSuchEntity']),
        ]);
        await each(inline, (PolicyName) => c.iam.send(new iam.GetUserPolicyCommand({ UserName, PolicyName })));
        await Promise.all(
          keys.map((k) => c.iam.send(new iam.GetAccessKeyLastUsedCommand({ AccessKeyId: k.AccessKeyId }))),
        );
      });
    }
    return n;
  },
  'iam.role': async (c) => {
    let n = 0;
    for await (const page of iam.paginateListRoles({ client: c.iam }, {})) {
      const names = (page.Roles ?? []).map((r) => r.RoleName);
      n += names.length;
      await each(names, async (RoleName) => {
        await c.iam.send(new iam.GetRoleCommand({ RoleName }));
        const [, inline] = await Promise.all([
          all(iam.paginateListAttachedRolePolicies({ client: c.iam }, { RoleName })),
          all(iam.paginateListRolePolicies({ client: c.iam }, { RoleName }), (p) => p.PolicyNames),
        ]);
        await each(inline, (PolicyName) => c.iam.send(new iam.GetRolePolicyCommand({ RoleName, PolicyName })));
      });
    }
    return n;
  },
  'iam.group': async (c) => {
    let n = 0;
    for await (const page of iam.paginateListGroups({ client: c.iam }, {})) {
      const names = (page.Groups ?? []).map((g) => g.GroupName);
      n += names.length;
      await each(names, async (GroupName) => {
        const q = { GroupName };
        const [, , inline] = await Promise.all([
          all(iam.paginateGetGroup({ client: c.iam }, q)),
          all(iam.paginateListAttachedGroupPolicies({ client: c.iam }, q)),
          all(iam.paginateListGroupPolicies({ client: c.iam }, q), (p) => p.PolicyNames),
        ]);
        await each(inline, (PolicyName) => c.iam.send(new iam.GetGroupPolicyCommand({ GroupName, PolicyName })));
      });
    }
    return n;
  },
  'iam.policy': async (c) => {
    let n = 0;
    for await (const page of iam.paginateListPolicies({ client: c.iam }, { Scope: 'Local' })) {
      const arns = (page.Policies ?? []).map((p) => p.Arn);
      n += arns.length;
      await each(arns, async (PolicyArn) => {
        const p = await c.iam.send(new iam.GetPolicyCommand({ PolicyArn }));
        await c.iam.send(new iam.GetPolicyVersionCommand({ PolicyArn, VersionId: p.Policy.DefaultVersionId }));
      });
    }
    return n;
  },
  'iam.instance_profile': async (c) => {
    let n = 0;
    for await (const page of iam.paginateListInstanceProfiles({ client: c.iam }, {})) {
      const names = (page.InstanceProfiles ?? []).map((p) => p.InstanceProfileName);
      n += names.length;
      await each(names, (InstanceProfileName) =>
        c.iam.send(new iam.GetInstanceProfileCommand({ InstanceProfileName })),
      );
    }
    return n;
  },
  'lambda.function': async (c) => {
    let n = 0;
    for await (const page of lambda.paginateListFunctions({ client: c.lambda }, {})) {
      const fns = page.Functions ?? [];
      n += fns.length;
      await each(fns, (f) =>
        Promise.all([
          c.lambda.send(new lambda.ListTagsCommand({ Resource: f.FunctionArn })),
          orNone(c.lambda.send(new lambda.GetFunctionUrlConfigCommand({ FunctionName: f.FunctionName })), [
            'ResourceNotFoundException',
          ]),
          orNone(c.lambda.send(new lambda.GetPolicyCommand({ FunctionName: f.FunctionName })), [
            'ResourceNotFoundException',
          ]),
        ]),
      );
    }
    return n;
  },
  'sqs.queue': async (c) => {
    let n = 0;
    for await (const page of sqs.paginateListQueues({ client: c.sqs, pageSize: 1000 }, {})) {
      const urls = page.QueueUrls ?? [];
      n += urls.length;
      await each(urls, (QueueUrl) =>
        Promise.all([
          c.sqs.send(new sqs.GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })),
          c.sqs.send(new sqs.ListQueueTagsCommand({ QueueUrl })),
        ]),
      );
    }
    return n;
  },
  'sns.topic': async (c) => {
    let n = 0;
    for await (const page of sns.paginateListTopics({ client: c.sns }, {})) {
      const arns = (page.Topics ?? []).map((t) => t.TopicArn);
      n += arns.length;
      await each(arns, (TopicArn) =>
        Promise.all([
          c.sns.send(new sns.GetTopicAttributesCommand({ TopicArn })),
          c.sns.send(new sns.ListTagsForResourceCommand({ ResourceArn: TopicArn })),
        ]),
      );
    }
    return n;
  },
  'kms.key': async (c) => {
    let n = 0;
    for await (const page of kms.paginateListKeys({ client: c.kms }, {})) {
      await each(page.Keys ?? [], async (k) => {
        const m = (await c.kms.send(new kms.DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata;
        if (m.KeyManager !== 'CUSTOMER') return;
        n++;
        const KeyId = m.KeyId;
        await Promise.all([
          m.KeySpec === 'SYMMETRIC_DEFAULT' && m.Origin === 'AWS_KMS'
            ? orNone(c.kms.send(new kms.GetKeyRotationStatusCommand({ KeyId })), [
                'UnsupportedOperationException',
                'KMSInvalidStateException',
              ])
            : undefined,
          c.kms.send(new kms.GetKeyPolicyCommand({ KeyId, PolicyName: 'default' })),
          all(kms.paginateListAliases({ client: c.kms }, { KeyId })),
          all(kms.paginateListResourceTags({ client: c.kms }, { KeyId })),
        ]);
      });
    }
    return n;
  },
  'secretsmanager.secret': async (c) => {
    let n = 0;
    for await (const page of sm.paginateListSecrets({ client: c.sm }, { IncludePlannedDeletion: true }))
      n += page.SecretList?.length ?? 0;
    return n;
  },
  'ecr.repository': async (c) => {
    let n = 0;
    for await (const page of ecr.paginateDescribeRepositories({ client: c.ecr }, {})) {
      const repos = page.repositories ?? [];
      n += repos.length;
      await each(repos, (r) =>
        Promise.all([
          c.ecr.send(new ecr.ListTagsForResourceCommand({ resourceArn: r.repositoryArn })),
          orNone(
            c.ecr.send(
              new ecr.GetLifecyclePolicyCommand({ repositoryName: r.repositoryName, registryId: r.registryId }),
            ),
            ['LifecyclePolicyNotFoundException'],
          ),
          orNone(
            c.ecr.send(
              new ecr.GetRepositoryPolicyCommand({ repositoryName: r.repositoryName, registryId: r.registryId }),
            ),
            ['RepositoryPolicyNotFoundException'],
          ),
        ]),
      );
    }
    return n;
  },
  'elbv2.load_balancer': async (c) => {
    let n = 0;
    for await (const page of elb.paginateDescribeLoadBalancers({ client: c.elb }, {})) {
      const arns = (page.LoadBalancers ?? []).map((lb) => lb.LoadBalancerArn);
      n += arns.length;
      await elbTags(c, arns);
      await seq(arns, (LoadBalancerArn) =>
        c.elb.send(new elb.DescribeLoadBalancerAttributesCommand({ LoadBalancerArn })),
      );
    }
    return n;
  },
  'elbv2.target_group': async (c) => {
    let n = 0;
    for await (const page of elb.paginateDescribeTargetGroups({ client: c.elb }, {})) {
      const arns = (page.TargetGroups ?? []).map((g) => g.TargetGroupArn);
      n += arns.length;
      await elbTags(c, arns);
      await seq(arns, (TargetGroupArn) => c.elb.send(new elb.DescribeTargetHealthCommand({ TargetGroupArn })));
    }
    return n;
  },
  'elbv2.listener': async (c) => {
    let n = 0;
    for await (const page of elb.paginateDescribeLoadBalancers({ client: c.elb }, {})) {
      const listeners = [];
      await seq(page.LoadBalancers ?? [], async (lb) => {
        const found = await gone(
          all(
            elb.paginateDescribeListeners({ client: c.elb }, { LoadBalancerArn: lb.LoadBalancerArn }),
            (p) => p.Listeners,
          ),
        );
        listeners.push(...(found ?? []));
      });
      n += listeners.length;
      await elbTags(
        c,
        listeners.map((l) => l.ListenerArn),
      );
      await seq(listeners, (l) =>
        Promise.all([
          all(elb.paginateDescribeRules({ client: c.elb }, { ListenerArn: l.ListenerArn })),
          l.Protocol === 'HTTPS' || l.Protocol === 'TLS'
            ? all(elb.paginateDescribeListenerCertificates({ client: c.elb }, { ListenerArn: l.ListenerArn }))
            : undefined,
        ]),
      );
    }
    return n;
  },
  'autoscaling.group': async (c) => {
    let n = 0;
    for await (const page of asg.paginateDescribeAutoScalingGroups({ client: c.asg }, {}))
      n += page.AutoScalingGroups?.length ?? 0;
    return n;
  },
  'ecs.cluster': async (c) => {
    let n = 0;
    for await (const page of ecs.paginateListClusters({ client: c.ecs }, {})) {
      const arns = page.clusterArns ?? [];
      for (let i = 0; i < arns.length; i += 100) {
        const res = await c.ecs.send(
          new ecs.DescribeClustersCommand({
            clusters: arns.slice(i, i + 100),
            include: ['TAGS', 'SETTINGS', 'CONFIGURATIONS'],
          }),
        );
        n += res.clusters?.filter((x) => x.status !== 'INACTIVE').length ?? 0;
      }
    }
    return n;
  },
  'ecs.service': async (c) => {
    let n = 0;
    for await (const clusters of ecs.paginateListClusters({ client: c.ecs }, {})) {
      await seq(clusters.clusterArns ?? [], async (cluster) => {
        for await (const page of ecs.paginateListServices({ client: c.ecs }, { cluster })) {
          const arns = page.serviceArns ?? [];
          for (let i = 0; i < arns.length; i += 10) {
            const res = await c.ecs.send(
              new ecs.DescribeServicesCommand({ cluster, services: arns.slice(i, i + 10), include: ['TAGS'] }),
            );
            n += res.services?.filter((x) => x.status !== 'INACTIVE').length ?? 0;
          }
        }
      });
    }
    return n;
  },
  'eks.cluster': async (c) => {
    let n = 0;
    for await (const page of eks.paginateListClusters({ client: c.eks }, {})) {
      const names = page.clusters ?? [];
      n += names.length;
      await seq(names, (name) => c.eks.send(new eks.DescribeClusterCommand({ name })));
    }
    return n;
  },
  'efs.file_system': async (c) => {
    let n = 0;
    for await (const page of efs.paginateDescribeFileSystems({ client: c.efs }, {})) {
      const list = page.FileSystems ?? [];
      n += list.length;
      await seq(list, ({ FileSystemId }) =>
        Promise.all([
          c.efs.send(new efs.DescribeLifecycleConfigurationCommand({ FileSystemId })),
          orNone(c.efs.send(new efs.DescribeBackupPolicyCommand({ FileSystemId })), ['PolicyNotFound']),
        ]),
      );
    }
    return n;
  },
  'elasticache.cluster': async (c) => {
    let n = 0;
    for await (const page of cache.paginateDescribeCacheClusters({ client: c.cache }, {})) {
      const list = page.CacheClusters ?? [];
      n += list.length;
      await seq(list, (x) => c.cache.send(new cache.ListTagsForResourceCommand({ ResourceName: x.ARN })));
    }
    return n;
  },
  'apigateway.rest_api': async (c) => {
    let n = 0;
    for await (const page of apigw.paginateGetRestApis({ client: c.apigw }, {})) n += page.items?.length ?? 0;
    return n;
  },
  'dynamodb.table': async (c) => {
    let n = 0;
    for await (const page of ddb.paginateListTables({ client: c.ddb }, {})) {
      const names = page.TableNames ?? [];
      n += names.length;
      await seq(names, async (TableName) => {
        const [t] = await Promise.all([
          c.ddb.send(new ddb.DescribeTableCommand({ TableName })),
          c.ddb.send(new ddb.DescribeContinuousBackupsCommand({ TableName })),
          c.ddb.send(new ddb.DescribeTimeToLiveCommand({ TableName })),
        ]);
        let NextToken;
        do {
          const page = await c.ddb.send(
            new ddb.ListTagsOfResourceCommand({ ResourceArn: t.Table.TableArn, NextToken }),
          );
          NextToken = page.NextToken;
        } while (NextToken);
      });
    }
    return n;
  },
  'cloudfront.distribution': async (c) => {
    let n = 0;
    for await (const page of cf.paginateListDistributions({ client: c.cf }, {})) {
      const ids = (page.DistributionList?.Items ?? []).map((d) => d.Id);
      n += ids.length;
      await seq(ids, async (Id) => {
        const d = await c.cf.send(new cf.GetDistributionCommand({ Id }));
        await c.cf.send(new cf.ListTagsForResourceCommand({ Resource: d.Distribution.ARN }));
      });
    }
    return n;
  },
  'route53.hosted_zone': async (c) => {
    let n = 0;
    for await (const page of r53.paginateListHostedZones({ client: c.r53 }, {})) {
      const zones = page.HostedZones ?? [];
      n += zones.length;
      await seq(zones, async (z) => {
        const Id = z.Id.replace(/^\/hostedzone\//, '');
        const isPrivate = z.Config?.PrivateZone === true;
        if (isPrivate) await c.r53.send(new r53.GetHostedZoneCommand({ Id }));
        await Promise.all([
          c.r53.send(new r53.ListTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: Id })),
          isPrivate ? undefined : c.r53.send(new r53.GetDNSSECCommand({ HostedZoneId: Id })),
        ]);
      });
    }
    return n;
  },
  'cloudtrail.trail': async (c, region) => {
    const trails = (await c.ct.send(new ct.DescribeTrailsCommand({ includeShadowTrails: false }))).trailList ?? [];
    const home = trails.filter((t) => t.HomeRegion === undefined || t.HomeRegion === region);
    await seq(home, (t) =>
      Promise.all([
        c.ct.send(new ct.GetTrailStatusCommand({ Name: t.TrailARN })),
        c.ct.send(new ct.GetEventSelectorsCommand({ TrailName: t.TrailARN })),
        all(ct.paginateListTags({ client: c.ct }, { ResourceIdList: [t.TrailARN] })),
      ]),
    );
    return home.length;
  },
  'logs.log_group': async (c) => {
    let n = 0;
    for await (const page of logs.paginateDescribeLogGroups({ client: c.logs }, {})) {
      const groups = page.logGroups ?? [];
      n += groups.length;
      await seq(groups, (g) =>
        c.logs.send(new logs.ListTagsForResourceCommand({ resourceArn: g.logGroupArn ?? g.arn.replace(/:\*$/, '') })),
      );
    }
    return n;
  },
  'ec2.launch_template': async (c) => {
    let n = 0;
    for await (const page of ec2.paginateDescribeLaunchTemplates({ client: c.ec2 }, {})) {
      const list = page.LaunchTemplates ?? [];
      n += list.length;
      await seq(list, (t) =>
        c.ec2.send(
          new ec2.DescribeLaunchTemplateVersionsCommand({
            LaunchTemplateId: t.LaunchTemplateId,
            Versions: ['$Default'],
          }),
        ),
      );
    }
    return n;
  },
  'ec2.key_pair': async (c) => (await c.ec2.send(new ec2.DescribeKeyPairsCommand({}))).KeyPairs?.length ?? 0,
  'ec2.network_acl': async (c) => {
    let n = 0;
    for await (const page of ec2.paginateDescribeNetworkAcls({ client: c.ec2 }, {})) n += page.NetworkAcls?.length ?? 0;
    return n;
  },
  'ec2.vpc_endpoint': async (c) => {
    let n = 0;
    for await (const page of ec2.paginateDescribeVpcEndpoints({ client: c.ec2 }, {}))
      n += page.VpcEndpoints?.length ?? 0;
    return n;
  },
};

const missing = NEW_TYPES.filter((t) => !BARE[t]);
if (missing.length) throw new Error(`no bare SDK function for ${missing.join(', ')}`);

// ------------------------------------------------------------------ the two sides
async function elava(type, { account = ACCOUNT, region = regionOf(type), credentials = testing } = {}) {
  const clients = new ClientSet({ region, endpoint: MOTO, credentials });
  const t0 = now();
  let n = 0;
  try {
    for await (const page of PROVIDERS[type].pages({ account, region, clients })) n += page.length;
  } finally {
    clients.destroy();
  }
  return { ms: now() - t0, n, calls: clients.stats.calls };
}

async function bare(type) {
  const region = regionOf(type);
  const c = bareClients(region);
  const t0 = now();
  try {
    const n = await BARE[type](c, region === 'global' ? REGION : region);
    return { ms: now() - t0, n, calls: c.stats.calls };
  } finally {
    c.destroy();
  }
}

// ------------------------------------------------------------------ (1) per type
{
  const prefix = prefixFor('');
  log(`\n## seeding ${fmt(COUNT)} of each type (prefix ${prefix}) in ${ACCOUNT} ${REGION} + global`);
  const t0 = now();
  const seeded = await seedEveryType(MOTO, REGION, { prefix, count: COUNT, global: true });
  const made = Object.values(seeded).reduce((s, ids) => s + ids.length, 0);
  log(`seeded ${fmt(made)} resources in ${((now() - t0) / 1000).toFixed(1)} s`);

  log(`\n## each reader, all pages, next to the bare SDK making the same calls (best of ${ROUNDS}, alternating)`);
  log('type                       resources   elava ms    bare ms   ratio   API calls (elava/bare)');
  let worst = 0;
  let totalElava = 0;
  let totalBare = 0;
  for (const type of NEW_TYPES) {
    let best = { elava: Number.POSITIVE_INFINITY, bare: Number.POSITIVE_INFINITY };
    let last;
    // A warm-up of each side first: connections made, moto's caches filled.
    await elava(type);
    await bare(type);
    for (let r = 0; r < ROUNDS; r++) {
      const e = await elava(type);
      const b = await bare(type);
      best = { elava: Math.min(best.elava, e.ms), bare: Math.min(best.bare, b.ms) };
      last = { e, b };
    }
    const ratio = best.elava / best.bare;
    worst = Math.max(worst, ratio);
    totalElava += best.elava;
    totalBare += best.bare;
    const flag = ratio <= 1.2 ? ' ' : '!';
    let counts = last.e.n === last.b.n ? '' : `   (bare saw ${last.b.n})`;
    // moto answers DescribeLaunchTemplates with the first MaxResults (15 unless given) and no NextToken.
    if (last.e.n < (seeded[type]?.length ?? 0))
      counts += `   (fewer than the ${seeded[type].length} seeded: moto stops early)`;
    log(
      `${type.padEnd(26)} ${fmt(last.e.n).padStart(9)} ${best.elava.toFixed(0).padStart(10)} ${best.bare.toFixed(0).padStart(10)} ${ratio.toFixed(2).padStart(6)}×${flag} ${fmt(last.e.calls).padStart(7)}/${fmt(last.b.calls)}${counts}`,
    );
  }
  log(
    `${'all types'.padEnd(26)} ${''.padStart(9)} ${totalElava.toFixed(0).padStart(10)} ${totalBare.toFixed(0).padStart(10)} ${(totalElava / totalBare).toFixed(2).padStart(6)}×   (worst type ${worst.toFixed(2)}×; target ≤ 1.2×)`,
  );
}

// ------------------------------------------------------------------ (2) RSS over 10 accounts × 2 regions
{
  const regions = [REGION, 'eu-west-1'];
  const accounts = [ACCOUNT, ...Array.from({ length: 9 }, (_, i) => `1000000000${String(i + 1).padStart(2, '0')}`)];
  log(`\n## RSS: every type in ${accounts.length} accounts × ${regions.length} regions (+ global once per account)`);
  // moto keeps one backend per account and maps an assumed role's keys to the role's account, so
  // AssumeRole into arn:aws:iam::<account>:role/x gives each account its own estate.
  const access = [];
  for (const id of accounts)
    access.push(
      id === ACCOUNT
        ? { id, credentials: testing }
        : await accountAccess({ id, role_arn: `arn:aws:iam::${id}:role/x` }, { region: REGION, endpoint: MOTO }),
    );
  log(`accounts by STS AssumeRole: ${access.length - 1} assumed, each answering GetCallerIdentity with its own id`);
  const t0 = now();
  let made = 0;
  for (const a of access)
    for (const [k, region] of regions.entries()) {
      if (a.id === ACCOUNT && region === REGION) continue; // seeded above with the full count
      const ids = await seedEveryType(MOTO, region, {
        prefix: prefixFor(''),
        count: RSS_COUNT,
        global: k === 0 && a.id !== ACCOUNT,
        credentials: a.credentials,
      });
      made += Object.values(ids).reduce((s, x) => s + x.length, 0);
    }
  log(
    `seeded ${fmt(made)} more resources (${RSS_COUNT} of each type per scope) in ${((now() - t0) / 1000).toFixed(1)} s`,
  );

  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const t1 = now();
  let resources = 0;
  let calls = 0;
  let scopes = 0;
  for (const a of access) {
    const scopesOf = [
      ...regions.map((region) => ({ region, types: NEW_TYPES.filter((t) => !GLOBAL_NEW_TYPES.includes(t)) })),
      { region: 'global', types: GLOBAL_NEW_TYPES },
    ];
    for (const { region, types } of scopesOf) {
      scopes++;
      for (const type of types) {
        const r = await elava(type, { account: a.id, region, credentials: a.credentials });
        resources += r.n;
        calls += r.calls;
      }
    }
  }
  clearInterval(sampler);
  const after = process.memoryUsage();
  peak = Math.max(peak, after.rss);
  log(
    `scanned ${fmt(resources)} resources in ${scopes} scopes (${fmt(calls)} API calls) in ${((now() - t1) / 1000).toFixed(1)} s`,
  );
  log(
    `rss    ${mib(rssBefore)} MiB before, ${mib(peak)} MiB at peak, ${mib(after.rss)} MiB after (heap used ${mib(after.heapUsed)} MiB)`,
  );
}
