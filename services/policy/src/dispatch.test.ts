import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCompiled } from './compiled.js';
import { type Dispatch, EVERYTHING, parseDispatch, routeOf } from './dispatch.js';
import { type PolicyInput, PolicySet } from './policy-set.js';

// The library as `npm run build` compiled it (npm test builds first).
const POLICIES = resolve(import.meta.dirname, '../../../policies');
const NOW = '2026-11-22T12:00:00Z';

const table: Dispatch = {
  entrypoints: [
    { name: 'elava_all/e0', packages: { tags: ['warn'] }, time: false },
    { name: 'elava_all/e1', packages: { tags: ['warn'], cost: ['warn'] }, time: true },
    { name: 'elava_all/e2', packages: { tags: ['warn'], lifecycle: ['deny'] }, time: false },
  ],
  routes: { resource: { 'ec2.volume': 1, '*': 0 }, change: { 'ec2.volume': 1, '*': 2 } },
};

describe('routeOf', () => {
  it('routes by the resource type, a change taking the change routes, anything odd the whole library', () => {
    expect(routeOf(table, { resource: { type: 'ec2.volume' }, now: NOW })).toBe(1);
    expect(routeOf(table, { resource: { type: 'sqs.queue' }, now: NOW })).toBe(0);
    expect(routeOf(table, { resource: { type: 'sqs.queue' }, change: { type: 'modified' }, now: NOW })).toBe(2);
    // Rego reads a null change as defined: the change rules must run.
    expect(routeOf(table, { resource: { type: 'sqs.queue' }, change: null, now: NOW })).toBe(2);
    expect(routeOf(table, { resource: { type: 'toString' }, now: NOW })).toBe(0);
    expect(routeOf(table, { previous: { type: 'ec2.volume' }, change: {}, now: NOW })).toBe(EVERYTHING);
    expect(routeOf(table, { resource: { type: 7 }, now: NOW })).toBe(EVERYTHING);
    expect(routeOf(table, { inventory: { type: 'ec2.volume', resources: [] }, now: NOW } as never)).toBe(EVERYTHING);
    expect(routeOf(table, '{"resource":{"type":"ec2.volume"}}')).toBe(EVERYTHING);
    expect(routeOf(undefined, { resource: { type: 'ec2.volume' }, now: NOW })).toBe(EVERYTHING);
  });

  it('refuses a malformed table, or one naming a package that did not load', () => {
    expect(parseDispatch(table, ['tags', 'cost', 'lifecycle'])).toEqual(table);
    expect(parseDispatch(table, ['tags', 'cost'])).toBeUndefined();
    expect(parseDispatch({ ...table, routes: { resource: { '*': 9 }, change: { '*': 0 } } }, ['tags'])).toBeUndefined();
    expect(parseDispatch({ ...table, routes: { resource: { x: 0 }, change: { '*': 0 } } }, ['tags'])).toBeUndefined();
    expect(parseDispatch({ entrypoints: [{ name: 'x', packages: {}, time: false }], routes: {} }, [])).toBeUndefined();
    expect(parseDispatch(undefined, [])).toBeUndefined();
  });
});

const res = (type: string, attributes: unknown, tags: Record<string, string> = {}, name = 'x') => ({
  id: `aws:123456789012:us-east-1:${type}:x-1`,
  type,
  native_id: 'x-1',
  name,
  tags,
  attributes,
});

/** Resources that make each package's rules fire, in the shapes the readers produce. */
const FIRING = [
  res('ec2.volume', { state: 'available', size_gib: 100, attached_instance_ids: [], encrypted: false }),
  res('ec2.eip', { public_ip: '1.2.3.4' }),
  res('ec2.instance', {
    instance_type: 'm6i.8xlarge',
    state: 'stopped',
    state_transition_reason: 'User initiated (2026-09-01 10:00:00 GMT)',
    vpc_id: 'vpc-default',
  }),
  res('ec2.nat_gateway', { state: 'available', vpc_id: 'vpc-1' }),
  res('ec2.security_group', {
    rules: [{ direction: 'ingress', protocol: 'tcp', from_port: 22, to_port: 22, source: '0.0.0.0/0' }],
  }),
  res('s3.bucket', { public_access_block: { configured: false }, acl_public: true }),
  res('rds.instance', { publicly_accessible: true, storage_encrypted: false, instance_class: 'db.r6g.16xlarge' }),
  res('iam.user', {
    has_console_password: true,
    mfa_devices: [],
    access_keys: [{ id: 'AK1', status: 'Active', created: '2025-01-01T00:00:00Z' }],
    inline_policies: [{ name: 'p', document: { statements: [{ effect: 'Allow', action: ['*'], resource: ['*'] }] } }],
  }),
  res('iam.role', {
    trust_policy: { statements: [{ effect: 'Allow', principal: { AWS: ['*', '999999999999'] } }] },
  }),
  res('iam.policy', { document: { statements: [{ effect: 'Allow', action: ['*'], resource: ['*'] }] } }),
  res('lambda.function', {
    runtime: 'nodejs14.x',
    function_url: { auth_type: 'NONE' },
    policy: { statements: [{ effect: 'Allow', principal: { AWS: ['*'] } }] },
  }),
  res('kms.key', { key_spec: 'SYMMETRIC_DEFAULT', rotation_enabled: false, key_state: 'Enabled' }),
  res('ecr.repository', { scan_on_push: false }),
  res('secretsmanager.secret', { rotation_enabled: false }),
  res('elbv2.listener', { protocol: 'HTTP', port: 80, load_balancer_scheme: 'internet-facing' }),
  res('dynamodb.table', { point_in_time_recovery: { enabled: false } }),
  res('cloudtrail.trail', { is_logging: false, is_multi_region_trail: false, home_region: 'us-east-1' }),
  res('cloudfront.distribution', { viewer_certificate: { cloudfront_default_certificate: true } }),
  res('sqs.queue', {}, { 'elava:managed': 'true', environment: 'production' }, 'test-queue'),
  res('some.future_type', {}, {}),
];

/** Each resource as it stands, and as a change of each kind (with what it was, and a history). */
function inputsOf(
  resources: ReturnType<typeof res>[],
): (PolicyInput & { resource?: { type: string }; change?: { type: string } })[] {
  return resources.flatMap((r) => [
    { resource: r, now: NOW },
    ...(['modified', 'tag_drift', 'disappeared'] as const).map((type) => ({
      resource: type === 'disappeared' ? undefined : r,
      previous: { ...r, tags: { ...r.tags, 'elava:blessed': 'true', 'elava:managed': 'true', owner: 'x' } },
      change: {
        id: 'c1',
        type,
        revision: 2,
        diff: [
          { path: 'tags.owner', before: 'x', after: null },
          { path: 'attributes.encrypted', before: true, after: false },
          {
            path: 'attributes.rules[1]',
            before: null,
            after: { direction: 'ingress', protocol: 'tcp', from_port: 1, to_port: 2, source: '0.0.0.0/0' },
          },
        ],
      },
      history: [1, 2, 3].map((n) => ({ type: 'modified', revision: n, time: NOW })),
      now: NOW,
    })),
  ]);
}

describe('per-type dispatch over the compiled library', () => {
  const data = {
    elava: {
      config: { required_tags: ['owner'], accounts: ['123456789012'] },
      estate: { default_vpc_ids: ['vpc-default'] },
      expected: { 'sqs.queue': [{ name: 'queues', match: { environment: 'production' }, tags: { team: 'a' } }] },
    },
  };

  it('gives the findings of the whole library, in the same order, for every type and kind of input', async () => {
    const { problems, ...library } = readCompiled(POLICIES);
    expect(problems).toEqual([]);
    expect(library.dispatch).toBeDefined();
    const set = await PolicySet.load(library, data);
    let fired = 0;
    for (const input of inputsOf(FIRING)) {
      const route = routeOf(library.dispatch, input);
      const all = set.evaluate(input);
      expect(all.failures).toEqual([]);
      expect(set.evaluate(input, route), `${input.resource?.type} ${input.change?.type ?? ''}`).toEqual(all);
      fired += all.findings.length;
    }
    // Not vacuous: every package said something about these inputs.
    expect(fired).toBeGreaterThan(100);
  });

  it("leaves out of a resource's entrypoint only rules that cannot match its type", () => {
    const { dispatch } = readCompiled(POLICIES);
    const entry = (type: string, change = false) =>
      dispatch?.entrypoints[routeOf(dispatch, { resource: { type }, ...(change ? { change: {} } : {}), now: NOW })];
    expect(entry('s3.bucket')?.packages).toEqual({
      inventory: ['warn', 'info'],
      lifecycle: ['warn'],
      security: ['deny', 'warn'],
      tags: ['warn', 'info'],
    });
    expect(entry('s3.bucket')?.time).toBe(false);
    expect(entry('ec2.instance')?.time).toBe(true);
    expect(Object.keys(entry('s3.bucket', true)?.packages ?? {})).toEqual(
      expect.arrayContaining(['lifecycle', 'transitions']),
    );
  });
});
