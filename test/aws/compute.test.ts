import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { APIGatewayClient, CreateRestApiCommand, UpdateRestApiCommand } from '@aws-sdk/client-api-gateway';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateOrUpdateTagsCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand as CreateEcsClusterCommand,
  CreateServiceCommand,
  ECSClient,
  TagResourceCommand as EcsTagResourceCommand,
  RegisterTaskDefinitionCommand,
  UpdateClusterCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateFileSystemCommand,
  EFSClient,
  TagResourceCommand as EfsTagResourceCommand,
  PutLifecycleConfigurationCommand,
} from '@aws-sdk/client-efs';
import {
  CreateClusterCommand as CreateEksClusterCommand,
  EKSClient,
  TagResourceCommand as EksTagResourceCommand,
  UpdateClusterConfigCommand,
} from '@aws-sdk/client-eks';
import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AddTagsToResourceCommand, CreateCacheClusterCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { type ApiCall, PROVIDERS, READ_ONLY, readOne, type ScanContext, WRITE_OPERATIONS } from '@elava/aws';
import { customBuiltins } from '@elava/policies/builtins';
import { parseResourceId, type Resource } from '@elava/types';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig, unique } from '../support/infra.js';
import { findNative, readerContext, scanType } from '../support/readers.js';

const ACCOUNT = '123456789012';
const REGION = 'us-west-2';
const TYPES = [
  'elbv2.load_balancer',
  'elbv2.target_group',
  'elbv2.listener',
  'autoscaling.group',
  'ecs.cluster',
  'ecs.service',
  'eks.cluster',
  'efs.file_system',
  'elasticache.cluster',
  'apigateway.rest_api',
] as const;
type Type = (typeof TYPES)[number];

const _credentials = async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' });
const config = () => awsClientConfig(REGION);

const ctxFor = (opts: { pageSize?: number; writes?: ReadonlySet<string> } = {}): ScanContext =>
  readerContext(REGION, opts);

const scan = <T extends Type>(type: T, opts: { pageSize?: number; ids?: string[] } = {}) =>
  scanType(type, REGION, opts);

const find = findNative;

/** Sends a planned write as the executor does (the command matches its client by construction). */
async function send(
  ctx: ScanContext,
  call: ApiCall,
  commands: Readonly<Record<string, new (input: never) => unknown>>,
) {
  const Command = commands[call.operation];
  if (!Command) throw new Error(`no command for ${call.operation}`);
  // biome-ignore lint/suspicious/noExplicitAny: as in the executor, each client takes its own commands
  await (ctx.clients.client(call.service) as any).send(new Command(call.input as never));
}

const one = async <T extends Type>(type: T, id: string) => find((await scan(type, { ids: [id] })).all, id);

/** Canonical id, ARN, read-only and declared operations; a second scan and readOne deep-equal the first. */
async function checkBasics<T extends Type>(type: T, id: string, arn: string): Promise<Resource<T>> {
  const first = await scan(type);
  const r = find(first.all, id);
  expect(parseResourceId(r.id)).toEqual({ provider: 'aws', account: ACCOUNT, region: REGION, type, nativeId: id });
  expect(r).toMatchObject({ type, region: REGION, account: ACCOUNT, native_id: id });
  expect(r.attributes.arn).toBe(arn);
  for (const op of PROVIDERS[type].operations) expect(op).toMatch(READ_ONLY);
  for (const op of first.operations) expect(PROVIDERS[type].operations).toContain(op);
  // No secret seeded anywhere (an environment variable's value in the task definition) shows up.
  expect(JSON.stringify(r)).not.toMatch(/hunter2|ClientSecret|client_secret/);
  expect(find((await scan(type)).all, id)).toEqual(r);
  const ctx = ctxFor();
  try {
    expect(await readOne(PROVIDERS[type], ctx, id)).toEqual(r);
    expect(await readOne(PROVIDERS[type], ctx, missingId[type])).toBeUndefined();
  } finally {
    ctx.clients.destroy();
  }
  return r;
}

/** Well-formed ids of things that do not exist. */
const missingId: Record<Type, string> = {
  'elbv2.load_balancer': 'app/nothing/0123456789abcdef',
  'elbv2.target_group': 'nothing/0123456789abcdef',
  'elbv2.listener': 'app/nothing/0123456789abcdef/0123456789abcdef',
  'autoscaling.group': 'no-such-group',
  'ecs.cluster': 'no-such-cluster',
  'ecs.service': 'no-such-cluster/no-such-service',
  'eks.cluster': 'no-such-cluster',
  'efs.file_system': 'fs-0123456789abcdef0',
  'elasticache.cluster': 'no-such-cache',
  'apigateway.rest_api': 'nosuchapi0',
};

/** After a tag and one attribute changed through the SDK, the rescan differs in exactly those. */
async function checkChange<T extends Type>(
  type: T,
  before: Resource<T>,
  change: () => Promise<unknown>,
  attributes: Record<string, unknown>,
  also: Partial<Resource<T>> = {},
) {
  await change();
  const after = await one(type, before.native_id);
  expect(after).toEqual({
    ...before,
    ...also,
    tags: { ...before.tags, changed: 'yes' },
    attributes: { ...before.attributes, ...attributes },
  });
}

/** The provider's tag writes sent as the executor sends them (only those writes allowed) set and remove a tag. */
async function checkTagWrites(type: Type, id: string) {
  const p = PROVIDERS[type];
  if (!p.tagWrites.writable) throw new Error(`${type} is not taggable`);
  const tagWrites = p.tagWrites;
  const write = async (r: Resource, set: Record<string, string>, remove: Record<string, string>) => {
    const ctx = ctxFor({ writes: WRITE_OPERATIONS });
    try {
      const calls = tagWrites.calls(
        { nativeId: r.native_id, arn: r.attributes.arn as string, tags: r.tags },
        set,
        remove,
      );
      expect(calls.length).toBe(1);
      for (const call of calls) await send(ctx, call, tagWrites.commands);
    } finally {
      ctx.clients.destroy();
    }
  };
  const before = await one(type, id);
  await write(before, { 'elava:probe': 'on' }, {});
  const tagged = await one(type, id);
  expect(tagged.tags['elava:probe']).toBe('on');
  await write(tagged, {}, { 'elava:probe': 'on' });
  expect(await one(type, id)).toEqual(before);
}

/** Every item of the type read with a small page size, over more than one page. */
async function checkPages(type: Type, ids: string[], pageSize: number) {
  const { pages, all } = await scan(type, { pageSize });
  expect(pages.length).toBeGreaterThan(1);
  for (const id of ids) find(all, id);
  expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
}

const POLICIES = resolve(import.meta.dirname, '../../policies/dist');
async function network(resource: Resource) {
  const manifest = JSON.parse(readFileSync(join(POLICIES, 'manifest.json'), 'utf8')) as {
    packages: { name: string; rules: string[] }[];
  };
  const policy = await loadPolicy(readFileSync(join(POLICIES, 'network.wasm')), undefined, customBuiltins);
  policy.setData({});
  const out: Record<string, { msg: string; suggestion: string }[]> = {};
  for (const rule of manifest.packages.find((p) => p.name === 'network')?.rules ?? [])
    out[rule] = policy.evaluate({ resource, now: new Date().toISOString() }, `elava/network/${rule}`)[0]?.result ?? [];
  return out;
}

const lbId = (arn: string) => arn.slice(arn.indexOf(':loadbalancer/') + 14);
const tgId = (arn: string) => arn.slice(arn.indexOf(':targetgroup/') + 13);
const listenerId = (arn: string) => arn.slice(arn.indexOf(':listener/') + 10);

describe('compute and regional service readers against moto', () => {
  const u = unique('c');
  const s: Record<string, string> = {};
  const elb = () => new ElasticLoadBalancingV2Client(config());

  beforeAll(async () => {
    const ec2 = new EC2Client(config());
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }))).Vpc?.VpcId as string;
    const subnets: string[] = [];
    for (const [i, az] of ['a', 'b'].entries())
      subnets.push(
        (
          await ec2.send(
            new CreateSubnetCommand({ VpcId: vpc, CidrBlock: `10.40.${i}.0/24`, AvailabilityZone: `${REGION}${az}` }),
          )
        ).Subnet?.SubnetId as string,
      );
    const sg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: u, Description: 'lb', VpcId: vpc })))
      .GroupId as string;
    Object.assign(s, { vpc, subnetA: subnets[0], subnetB: subnets[1], sg });

    // ELBv2: an internet-facing and an internal load balancer, a target group, listeners.
    const lb = elb();
    const mkLb = async (name: string, scheme: 'internet-facing' | 'internal') =>
      (
        await lb.send(
          new CreateLoadBalancerCommand({
            Name: name,
            Scheme: scheme,
            Type: 'application',
            Subnets: [subnets[1] as string, subnets[0] as string],
            SecurityGroups: [sg],
            Tags: [
              { Key: 'Name', Value: name },
              { Key: 'team', Value: 'web' },
            ],
          }),
        )
      ).LoadBalancers?.[0]?.LoadBalancerArn as string;
    s.lbPublic = await mkLb(`${u}-pub`, 'internet-facing');
    s.lbInternal = await mkLb(`${u}-int`, 'internal');
    s.tg = (
      await lb.send(
        new CreateTargetGroupCommand({
          Name: `${u}-tg`,
          Protocol: 'HTTP',
          Port: 8080,
          VpcId: vpc,
          TargetType: 'ip',
          HealthCheckPath: '/health',
          Tags: [{ Key: 'team', Value: 'web' }],
        }),
      )
    ).TargetGroups?.[0]?.TargetGroupArn as string;
    await lb.send(
      new RegisterTargetsCommand({
        TargetGroupArn: s.tg,
        Targets: [
          { Id: '10.40.1.20', Port: 8080 },
          { Id: '10.40.0.10', Port: 8080 },
          // moto keeps one registration per target id (AWS keeps one per id and port).
          { Id: '10.40.0.30', Port: 9090 },
        ],
      }),
    );
    const forward = [{ Type: 'forward' as const, TargetGroupArn: s.tg }];
    s.httpPublic = (
      await lb.send(
        new CreateListenerCommand({ LoadBalancerArn: s.lbPublic, Protocol: 'HTTP', Port: 80, DefaultActions: forward }),
      )
    ).Listeners?.[0]?.ListenerArn as string;
    s.redirect = (
      await lb.send(
        new CreateListenerCommand({
          LoadBalancerArn: s.lbPublic,
          Protocol: 'HTTP',
          Port: 8080,
          DefaultActions: [
            { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
          ],
        }),
      )
    ).Listeners?.[0]?.ListenerArn as string;
    s.https = (
      await lb.send(
        new CreateListenerCommand({
          LoadBalancerArn: s.lbPublic,
          Protocol: 'HTTPS',
          Port: 443,
          // An IAM server certificate: moto checks ACM ones against its ACM, not IAM ones.
          Certificates: [{ CertificateArn: `arn:aws:iam::${ACCOUNT}:server-certificate/${u}` }],
          SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
          DefaultActions: forward,
        }),
      )
    ).Listeners?.[0]?.ListenerArn as string;
    s.httpInternal = (
      await lb.send(
        new CreateListenerCommand({
          LoadBalancerArn: s.lbInternal,
          Protocol: 'HTTP',
          Port: 80,
          DefaultActions: forward,
        }),
      )
    ).Listeners?.[0]?.ListenerArn as string;
    for (const [priority, path] of [
      [10, '/ten/*'],
      [2, '/two/*'],
      [5, '/five/*'],
    ] as const)
      await lb.send(
        new CreateRuleCommand({
          ListenerArn: s.httpPublic,
          Priority: priority,
          Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [`${path}x`, path] } }],
          Actions: forward,
        }),
      );

    // Auto Scaling: a launch template and a group behind the target group.
    const lt = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: u,
        LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.micro' },
      }),
    );
    s.lt = lt.LaunchTemplate?.LaunchTemplateId as string;
    const asg = new AutoScalingClient(config());
    for (const n of [1, 2, 3])
      await asg.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: `${u}-asg${n}`,
          MinSize: 0,
          MaxSize: 4,
          DesiredCapacity: n === 1 ? 2 : 0,
          LaunchTemplate: { LaunchTemplateId: s.lt, Version: '$Latest' },
          VPCZoneIdentifier: `${subnets[1]},${subnets[0]}`,
          TargetGroupARNs: n === 1 ? [s.tg] : undefined,
          TerminationPolicies: ['OldestInstance', 'Default'],
          Tags: [{ Key: 'team', Value: 'web', PropagateAtLaunch: true }],
        }),
      );

    // ECS: clusters (one with a setting) and a Fargate service behind the target group.
    const ecs = new ECSClient(config());
    for (const n of [1, 2, 3])
      await ecs.send(
        new CreateEcsClusterCommand({
          clusterName: `${u}-ecs${n}`,
          settings: [{ name: 'containerInsights', value: 'disabled' }],
          tags: [{ key: 'team', value: 'web' }],
        }),
      );
    const td = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: u,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          {
            name: 'web',
            image: 'nginx',
            portMappings: [{ containerPort: 8080 }],
            environment: [{ name: 'DB_PASSWORD', value: 'hunter2' }],
          },
        ],
      }),
    );
    s.td = td.taskDefinition?.taskDefinitionArn as string;
    for (const n of [1, 2, 3])
      await ecs.send(
        new CreateServiceCommand({
          cluster: `${u}-ecs1`,
          serviceName: `svc${n}`,
          taskDefinition: s.td,
          desiredCount: 2,
          launchType: 'FARGATE',
          loadBalancers: n === 1 ? [{ targetGroupArn: s.tg, containerName: 'web', containerPort: 8080 }] : undefined,
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: [subnets[1] as string, subnets[0] as string],
              securityGroups: [sg],
              assignPublicIp: 'DISABLED',
            },
          },
          tags: [{ key: 'team', value: 'web' }],
        }),
      );

    // EKS, EFS, ElastiCache, API Gateway.
    const eks = new EKSClient(config());
    for (const n of [1, 2, 3])
      await eks.send(
        new CreateEksClusterCommand({
          name: `${u}-eks${n}`,
          version: '1.31',
          roleArn: `arn:aws:iam::${ACCOUNT}:role/eks`,
          resourcesVpcConfig: {
            subnetIds: [subnets[1] as string, subnets[0] as string],
            securityGroupIds: [sg],
            endpointPublicAccess: true,
            endpointPrivateAccess: false,
          },
          tags: { team: 'web' },
        }),
      );
    const efs = new EFSClient(config());
    const fsIds: string[] = [];
    for (const n of [1, 2, 3])
      fsIds.push(
        (
          await efs.send(
            new CreateFileSystemCommand({
              CreationToken: `${u}-fs${n}`,
              Encrypted: n === 1,
              PerformanceMode: 'generalPurpose',
              Tags: [
                { Key: 'Name', Value: `${u}-fs${n}` },
                { Key: 'team', Value: 'web' },
              ],
            }),
          )
        ).FileSystemId as string,
      );
    s.fs = fsIds[0] as string;
    s.fsAll = fsIds.join(',');
    const cache = new ElastiCacheClient(config());
    for (const n of [1, 2, 3])
      await cache.send(
        new CreateCacheClusterCommand({
          CacheClusterId: `${u}-cache${n}`,
          Engine: 'redis',
          CacheNodeType: 'cache.t3.micro',
          NumCacheNodes: 1,
          Tags: [{ Key: 'team', Value: 'web' }],
        }),
      );
    const apigw = new APIGatewayClient(config());
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 'execute-api:Invoke',
          Resource: ['execute-api:/*/GET/*', 'execute-api:/*/POST/*'],
          Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] } },
        },
      ],
    };
    s.api = (
      await apigw.send(
        new CreateRestApiCommand({
          name: `${u}-api`,
          description: 'orders',
          endpointConfiguration: { types: ['REGIONAL'] },
          policy: JSON.stringify(policy),
          tags: { team: 'web' },
        }),
      )
    ).id as string;
  });

  it('reads load balancers: scheme, subnets and zones sorted, attributes, deletion protection', async () => {
    const id = lbId(s.lbPublic as string);
    const r = await checkBasics('elbv2.load_balancer', id, s.lbPublic as string);
    expect(id).toMatch(/^app\/c-[0-9a-f]{8}-pub\/[0-9a-f]+$/);
    expect(r).toMatchObject({
      name: `${u}-pub`,
      tags: { Name: `${u}-pub`, team: 'web' },
      status: 'active',
      attributes: {
        type: 'application',
        scheme: 'internet-facing',
        vpc_id: s.vpc,
        subnet_ids: [s.subnetA, s.subnetB].sort(),
        availability_zones: [`${REGION}a`, `${REGION}b`],
        security_group_ids: [s.sg],
        deletion_protection: false,
        access_logs: { enabled: false },
      },
    });
    expect(r.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    await checkChange(
      'elbv2.load_balancer',
      r,
      async () => {
        await elb().send(
          new ModifyLoadBalancerAttributesCommand({
            LoadBalancerArn: s.lbPublic,
            Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '120' }],
          }),
        );
        await elb().send(
          new AddTagsCommand({ ResourceArns: [s.lbPublic as string], Tags: [{ Key: 'changed', Value: 'yes' }] }),
        );
      },
      { idle_timeout_seconds: 120 },
    );
    await checkTagWrites('elbv2.load_balancer', id);
    // moto pages DescribeLoadBalancers.
    await checkPages('elbv2.load_balancer', [id, lbId(s.lbInternal as string)], 1);

    // Deletion protection: read from the attributes; the executor's call turns it on.
    const p = PROVIDERS['elbv2.load_balancer'].protection;
    if (!p) throw new Error('no protection');
    const before = await one('elbv2.load_balancer', id);
    const ctx = ctxFor({ writes: WRITE_OPERATIONS });
    try {
      expect(await p.isOn(ctx, before)).toBe(false);
      const call = p.call({ nativeId: id, arn: before.attributes.arn as string, tags: before.tags });
      await send(ctx, call, p.commands);
      const after = await one('elbv2.load_balancer', id);
      expect(await p.isOn(ctx, after)).toBe(true);
      expect(after.attributes).toEqual({ ...before.attributes, deletion_protection: true });
    } finally {
      ctx.clients.destroy();
    }
  });

  it('reads target groups with their registered targets keyed by id and port, health left out', async () => {
    const id = tgId(s.tg as string);
    const r = await checkBasics('elbv2.target_group', id, s.tg as string);
    expect(r).toMatchObject({
      name: `${u}-tg`,
      tags: { team: 'web' },
      attributes: {
        protocol: 'HTTP',
        port: 8080,
        vpc_id: s.vpc,
        target_type: 'ip',
        health_check: { path: '/health' },
        load_balancer_arns: [s.lbPublic, s.lbInternal].sort(),
      },
    });
    // The Auto Scaling group attached to the group registers its instances too: only ours are checked.
    const ips = (r.attributes.targets as { target_id: string }[]).filter((t) => t.target_id.startsWith('10.'));
    expect(ips).toEqual([
      { id: '10.40.0.10:8080', target_id: '10.40.0.10', port: 8080 },
      { id: '10.40.0.30:9090', target_id: '10.40.0.30', port: 9090 },
      { id: '10.40.1.20:8080', target_id: '10.40.1.20', port: 8080 },
    ]);
    for (const t of r.attributes.targets as object[])
      expect(Object.keys(t).every((k) => ['id', 'target_id', 'port', 'availability_zone'].includes(k))).toBe(true);
    expect(PROVIDERS['elbv2.target_group'].listKeys).toEqual({ 'attributes.targets': 'id' });
    await checkChange(
      'elbv2.target_group',
      r,
      async () => {
        await elb().send(new ModifyTargetGroupCommand({ TargetGroupArn: s.tg, HealthCheckPath: '/ready' }));
        await elb().send(
          new AddTagsCommand({ ResourceArns: [s.tg as string], Tags: [{ Key: 'changed', Value: 'yes' }] }),
        );
      },
      { health_check: { ...(r.attributes.health_check as object), path: '/ready' } },
    );
    await checkTagWrites('elbv2.target_group', id);
    // moto does not page DescribeTargetGroups (its PageSize/Marker handling is commented out).
  });

  it('reads listeners: default actions, certificates, rules keyed by priority, the load balancer scheme', async () => {
    const id = listenerId(s.httpPublic as string);
    const r = await checkBasics('elbv2.listener', id, s.httpPublic as string);
    expect(id.startsWith(`${lbId(s.lbPublic as string)}/`)).toBe(true);
    expect(r.attributes).toMatchObject({
      load_balancer_arn: s.lbPublic,
      load_balancer_scheme: 'internet-facing',
      protocol: 'HTTP',
      port: 80,
      default_actions: [{ type: 'forward', target_group_arn: s.tg }],
    });
    const rules = r.attributes.rules as { priority: string; conditions: unknown[] }[];
    expect(rules.map((x) => x.priority)).toEqual(['2', '5', '10']);
    expect(rules[0]?.conditions).toEqual([{ field: 'path-pattern', values: ['/two/*', '/two/*x'] }]);
    expect(PROVIDERS['elbv2.listener'].listKeys).toEqual({ 'attributes.rules': 'priority' });

    const all = (await scan('elbv2.listener')).all;
    expect(find(all, listenerId(s.redirect as string)).attributes.default_actions).toEqual([
      expect.objectContaining({
        type: 'redirect',
        redirect: expect.objectContaining({ protocol: 'HTTPS', port: '443', status_code: 'HTTP_301' }),
      }),
    ]);
    expect(find(all, listenerId(s.https as string)).attributes).toMatchObject({
      protocol: 'HTTPS',
      ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      certificates: [`arn:aws:iam::${ACCOUNT}:server-certificate/${u}`],
    });
    expect(find(all, listenerId(s.httpInternal as string)).attributes.load_balancer_scheme).toBe('internal');

    await checkChange(
      'elbv2.listener',
      r,
      async () => {
        await elb().send(new ModifyListenerCommand({ ListenerArn: s.httpPublic, Port: 81 }));
        await elb().send(
          new AddTagsCommand({ ResourceArns: [s.httpPublic as string], Tags: [{ Key: 'changed', Value: 'yes' }] }),
        );
      },
      { port: 81 },
      // A listener has no name of its own: it is called by protocol and port.
      { name: 'HTTP:81' },
    );
    await checkTagWrites('elbv2.listener', id);
    // moto pages DescribeLoadBalancers and DescribeRules (listeners are read load balancer by load balancer).
    const { pages, all: paged } = await scan('elbv2.listener', { pageSize: 1 });
    expect(pages.length).toBeGreaterThan(1);
    expect((find(paged, id).attributes.rules as unknown[]).length).toBe(3);
  });

  it('judges listeners with the compiled network policy: plain HTTP on an internet-facing LB denied, a redirect quiet', async () => {
    const all = (await scan('elbv2.listener')).all;
    const plain = await network(find(all, listenerId(s.httpPublic as string)));
    expect(plain.deny).toHaveLength(1);
    expect(plain.deny?.[0]?.msg).toContain('internet-facing load balancer serves plain HTTP (port 81)');
    const redirect = await network(find(all, listenerId(s.redirect as string)));
    expect(redirect).toMatchObject({ deny: [], warn: [] });
    const internal = await network(find(all, listenerId(s.httpInternal as string)));
    expect(internal.deny).toEqual([]);
    expect(internal.warn?.[0]?.msg).toContain('an internal load balancer');
    expect(await network(find(all, listenerId(s.https as string)))).toMatchObject({ deny: [], warn: [] });
  });

  it('reads Auto Scaling groups: capacity, template, subnets and target groups, no instance list', async () => {
    const name = `${u}-asg1`;
    const first = (await scan('autoscaling.group')).all;
    const arn = find(first, name).attributes.arn as string;
    expect(arn).toMatch(
      new RegExp(`^arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:.*:autoScalingGroupName/${name}$`),
    );
    const r = await checkBasics('autoscaling.group', name, arn);
    expect(r).toMatchObject({
      name,
      status: 'active',
      tags: { team: 'web' },
      attributes: {
        min_size: 0,
        max_size: 4,
        desired_capacity: 2,
        launch_template: { id: s.lt, version: '$Latest' },
        subnet_ids: [s.subnetA, s.subnetB].sort(),
        target_group_arns: [s.tg],
        termination_policies: ['OldestInstance', 'Default'],
      },
    });
    expect(JSON.stringify(r)).not.toMatch(/"i-[0-9a-f]+"/);
    const asg = new AutoScalingClient(config());
    await checkChange(
      'autoscaling.group',
      r,
      async () => {
        await asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, MaxSize: 6 }));
        await asg.send(
          new CreateOrUpdateTagsCommand({
            Tags: [{ ResourceId: name, ResourceType: 'auto-scaling-group', Key: 'changed', Value: 'yes' }],
          }),
        );
      },
      { max_size: 6 },
    );
    await checkTagWrites('autoscaling.group', name);
    await checkPages('autoscaling.group', [`${u}-asg1`, `${u}-asg2`, `${u}-asg3`], 2);
  });

  it('keeps PropagateAtLaunch on when Elava rewrites the value of a tag that had it on', async () => {
    const name = `${u}-asg2`;
    const asg = new AutoScalingClient(config());
    const tag = (Key: string, Value: string, PropagateAtLaunch: boolean) => ({
      ResourceId: name,
      ResourceType: 'auto-scaling-group',
      Key,
      Value,
      PropagateAtLaunch,
    });
    await asg.send(new CreateOrUpdateTagsCommand({ Tags: [tag('owner', 'a', true), tag('note', 'x', false)] }));
    const before = await one('autoscaling.group', name);
    const propagating = before.attributes.propagate_at_launch as string[];
    expect(propagating).toContain('owner');
    expect(propagating).not.toContain('note');
    const p = PROVIDERS['autoscaling.group'];
    if (!p.tagWrites.writable) throw new Error('autoscaling.group is not taggable');
    const ctx = ctxFor({ writes: WRITE_OPERATIONS });
    try {
      const calls = p.tagWrites.calls(
        { nativeId: name, arn: before.attributes.arn as string, tags: before.tags, attributes: before.attributes },
        { owner: 'b', note: 'y', added: 'z' },
        {},
      );
      for (const call of calls) await send(ctx, call, p.tagWrites.commands);
    } finally {
      ctx.clients.destroy();
    }
    const after = await one('autoscaling.group', name);
    expect(after.tags).toMatchObject({ owner: 'b', note: 'y', added: 'z' });
    expect(after.attributes.propagate_at_launch).toEqual(propagating);
  });

  it('reads ECS clusters (counters left out) and services keyed <cluster>/<service>', async () => {
    const ecs = new ECSClient(config());
    const name = `${u}-ecs1`;
    const c = await checkBasics('ecs.cluster', name, `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${name}`);
    expect(c).toMatchObject({
      name,
      status: 'active',
      tags: { team: 'web' },
      attributes: { status: 'ACTIVE', settings: [{ name: 'containerInsights', value: 'disabled' }] },
    });
    expect(JSON.stringify(c)).not.toMatch(/running|pending|registered|active_services|Count/);
    await checkChange(
      'ecs.cluster',
      c,
      async () => {
        await ecs.send(
          new UpdateClusterCommand({ cluster: name, settings: [{ name: 'containerInsights', value: 'enabled' }] }),
        );
        await ecs.send(
          new EcsTagResourceCommand({
            resourceArn: c.attributes.arn as string,
            tags: [{ key: 'changed', value: 'yes' }],
          }),
        );
      },
      { settings: [{ name: 'containerInsights', value: 'enabled' }] },
    );
    await checkTagWrites('ecs.cluster', name);
    // moto does not page ListClusters or ListServices: every cluster and service is on its one page.

    const sid = `${name}/svc1`;
    const svc = await checkBasics('ecs.service', sid, `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${name}/svc1`);
    expect(svc).toMatchObject({
      name: 'svc1',
      tags: { team: 'web' },
      attributes: {
        cluster_arn: c.attributes.arn,
        desired_count: 2,
        launch_type: 'FARGATE',
        task_definition: s.td,
        load_balancers: [{ target: s.tg, container_name: 'web', container_port: 8080 }],
        network: {
          subnet_ids: [s.subnetA, s.subnetB].sort(),
          security_group_ids: [s.sg],
          assign_public_ip: 'DISABLED',
        },
      },
    });
    expect(JSON.stringify(svc)).not.toMatch(/hunter2|runningCount|running_count|pending/);
    const all = (await scan('ecs.service')).all.filter((x) => x.native_id.startsWith(`${name}/`));
    expect(all.map((x) => x.native_id).sort()).toEqual([`${name}/svc1`, `${name}/svc2`, `${name}/svc3`]);
    await checkChange(
      'ecs.service',
      svc,
      async () => {
        await ecs.send(new UpdateServiceCommand({ cluster: name, service: 'svc1', desiredCount: 3 }));
        await ecs.send(
          new EcsTagResourceCommand({
            resourceArn: svc.attributes.arn as string,
            tags: [{ key: 'changed', value: 'yes' }],
          }),
        );
      },
      { desired_count: 3 },
    );
    await checkTagWrites('ecs.service', sid);
  });

  it('reads EKS clusters: version, endpoint access, subnets sorted', async () => {
    const eks = new EKSClient(config());
    const name = `${u}-eks1`;
    const first = find((await scan('eks.cluster')).all, name);
    const r = await checkBasics('eks.cluster', name, first.attributes.arn as string);
    expect(r.attributes.arn).toBe(`arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${name}`);
    expect(r).toMatchObject({
      name,
      tags: { team: 'web' },
      attributes: {
        version: '1.31',
        role_arn: `arn:aws:iam::${ACCOUNT}:role/eks`,
        subnet_ids: [s.subnetA, s.subnetB].sort(),
        security_group_ids: [s.sg],
        endpoint_public_access: true,
        endpoint_private_access: false,
        enabled_log_types: [],
      },
    });
    expect(JSON.stringify(r)).not.toMatch(/certificateAuthority|"data"/);
    await checkChange(
      'eks.cluster',
      r,
      async () => {
        await eks.send(
          new UpdateClusterConfigCommand({
            name,
            logging: { clusterLogging: [{ types: ['audit', 'api'], enabled: true }] },
          }),
        );
        await eks.send(
          new EksTagResourceCommand({ resourceArn: r.attributes.arn as string, tags: { changed: 'yes' } }),
        );
      },
      { enabled_log_types: ['api', 'audit'] },
    );
    await checkTagWrites('eks.cluster', name);
    await checkPages('eks.cluster', [`${u}-eks1`, `${u}-eks2`, `${u}-eks3`], 2);
  });

  it('reads EFS file systems: encryption, lifecycle, backups; size left out', async () => {
    const efs = new EFSClient(config());
    const id = s.fs as string;
    const r = await checkBasics(
      'efs.file_system',
      id,
      `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:file-system/${id}`,
    );
    expect(r).toMatchObject({
      name: `${u}-fs1`,
      status: 'available',
      tags: { Name: `${u}-fs1`, team: 'web' },
      attributes: { encrypted: true, performance_mode: 'generalPurpose', lifecycle: {}, automatic_backups: false },
    });
    expect(JSON.stringify(r)).not.toMatch(/SizeInBytes|size/i);
    await checkChange(
      'efs.file_system',
      r,
      async () => {
        await efs.send(
          new PutLifecycleConfigurationCommand({
            FileSystemId: id,
            LifecyclePolicies: [{ TransitionToIA: 'AFTER_30_DAYS' }],
          }),
        );
        await efs.send(new EfsTagResourceCommand({ ResourceId: id, Tags: [{ Key: 'changed', Value: 'yes' }] }));
      },
      { lifecycle: { transition_to_ia: 'AFTER_30_DAYS' } },
    );
    await checkTagWrites('efs.file_system', id);
    await checkPages('efs.file_system', (s.fsAll as string).split(','), 2);
  });

  it('reads ElastiCache clusters with their tags', async () => {
    const cache = new ElastiCacheClient(config());
    const id = `${u}-cache1`;
    const r = await checkBasics('elasticache.cluster', id, `arn:aws:elasticache:${REGION}:${ACCOUNT}:cluster:${id}`);
    expect(r).toMatchObject({
      name: id,
      tags: { team: 'web' },
      attributes: { engine: 'redis', node_type: 'cache.t3.micro', num_cache_nodes: 1, auth_token_enabled: false },
    });
    // moto has no ModifyCacheCluster: the change is a tag alone.
    await checkChange(
      'elasticache.cluster',
      r,
      () =>
        cache.send(
          new AddTagsToResourceCommand({
            ResourceName: r.attributes.arn as string,
            Tags: [{ Key: 'changed', Value: 'yes' }],
          }),
        ),
      {},
    );
    await checkTagWrites('elasticache.cluster', id);
    await checkPages('elasticache.cluster', [`${u}-cache1`, `${u}-cache2`, `${u}-cache3`], 2);
  });

  it('reads API Gateway REST APIs: endpoint types, the resource policy normalised, tags from the listing', async () => {
    const apigw = new APIGatewayClient(config());
    const id = s.api as string;
    const r = await checkBasics('apigateway.rest_api', id, `arn:aws:apigateway:${REGION}::/restapis/${id}`);
    expect(r).toMatchObject({
      name: `${u}-api`,
      tags: { team: 'web' },
      attributes: { description: 'orders', endpoint_types: ['REGIONAL'], disable_execute_api_endpoint: false },
    });
    expect(r.attributes.policy_statements).toEqual([
      {
        effect: 'Allow',
        principals: ['*'],
        actions: ['execute-api:Invoke'],
        resources: ['execute-api:/*/GET/*', 'execute-api:/*/POST/*'],
        condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] } },
      },
    ]);
    // moto's server routes `/tags/<arn>` for stage ARNs only: TagResource on a REST API's ARN gets
    // an HTML 404. So the change is the description alone, and the tag writes are checked as the
    // requests they make (the same TagResource/UntagResource shape moto accepts for stages).
    await apigw.send(
      new UpdateRestApiCommand({
        restApiId: id,
        patchOperations: [{ op: 'replace', path: '/description', value: 'orders v2' }],
      }),
    );
    expect(await one('apigateway.rest_api', id)).toEqual({
      ...r,
      attributes: { ...r.attributes, description: 'orders v2' },
    });
    const writes = PROVIDERS['apigateway.rest_api'].tagWrites;
    if (!writes.writable) throw new Error('not taggable');
    const target = { nativeId: id, arn: r.attributes.arn as string, tags: r.tags };
    expect(writes.calls(target, { 'elava:probe': 'on' }, { old: 'x' })).toEqual([
      {
        service: 'apigateway',
        operation: 'TagResource',
        input: { resourceArn: target.arn, tags: { 'elava:probe': 'on' } },
      },
      { service: 'apigateway', operation: 'UntagResource', input: { resourceArn: target.arn, tagKeys: ['old'] } },
    ]);
    expect(Object.keys(writes.commands).sort()).toEqual(['TagResource', 'UntagResource']);
    // moto does not page GetRestApis.
  });
});
