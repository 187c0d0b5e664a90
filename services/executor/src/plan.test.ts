import type { Decision } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { type Current, type PlanSettings, plan } from './plan.js';

const settings: PlanSettings = {
  requiredTags: ['elava:owner', 'environment'],
  defaultTags: { 'elava:owner': 'platform' },
  autoProtectProd: false,
  productionTag: { key: 'environment', values: ['production', 'prod'] },
};
const decision = (
  action: Decision['action'],
  type: Decision['resource']['type'],
  native: string,
  metadata = {},
): Decision => ({
  id: 'd-1',
  store: 'a1b2c3d4e5f6',
  action,
  severity: 'info',
  resource: {
    id: `aws:123456789012:us-east-1:${type}:${native}`,
    type,
    account: '123456789012',
    region: 'us-east-1',
    tags: {},
  },
  reason: 'r',
  revision: 3,
  time: '2026-11-22T00:00:00Z',
  metadata,
});
const now = (tags: Record<string, string>, extra: Partial<Current> = {}): Current => ({ exists: true, tags, ...extra });

describe('plan', () => {
  it('auto_tag: only the missing required tags, values from default_tags then the VPC', () => {
    const p = plan(
      decision('auto_tag', 'ec2.instance', 'i-1'),
      now({ Name: 'web' }, { vpcTags: { environment: 'staging', 'elava:owner': 'vpc-team' } }),
      settings,
    );
    expect(p).toEqual({
      calls: [
        {
          service: 'ec2',
          operation: 'CreateTags',
          input: {
            Resources: ['i-1'],
            Tags: [
              { Key: 'elava:owner', Value: 'platform' },
              { Key: 'environment', Value: 'staging' },
            ],
          },
        },
      ],
      note: 'missing tags added',
    });
    expect(
      plan(decision('auto_tag', 'ec2.instance', 'i-1'), now({ 'elava:owner': 'x', environment: 'y' }), settings),
    ).toEqual({
      calls: [],
      note: 'every required tag is already there',
    });
    expect(plan(decision('auto_tag', 'ec2.volume', 'vol-1'), now({}), { ...settings, defaultTags: {} })).toEqual({
      refused: 'no value for elava:owner, environment (set actions.tagging.default_tags or tag the VPC)',
    });
  });

  it('an S3 bucket gets its whole tag set back with the additions; RDS is tagged by ARN', () => {
    const s3 = plan(decision('auto_tag', 's3.bucket', 'logs'), now({ Name: 'logs', environment: 'dev' }), settings);
    expect('calls' in s3 && s3.calls[0]?.input).toEqual({
      Bucket: 'logs',
      Tagging: {
        TagSet: [
          { Key: 'Name', Value: 'logs' },
          { Key: 'environment', Value: 'dev' },
          { Key: 'elava:owner', Value: 'platform' },
        ],
      },
    });
    const rds = plan(
      decision('auto_tag', 'rds.instance', 'orders'),
      now({ environment: 'dev' }, { attributes: { arn: 'arn:aws:rds:us-east-1:123456789012:db:orders' } }),
      settings,
    );
    expect('calls' in rds && rds.calls[0]).toMatchObject({
      operation: 'AddTagsToResource',
      input: { ResourceName: 'arn:aws:rds:us-east-1:123456789012:db:orders' },
    });
  });

  it('enforce_policy puts back removed and changed tags, and leaves a tag changed again since', () => {
    const restore = [
      { path: 'tags.owner', before: 'team-a', after: 'nobody' },
      { path: 'tags.environment', before: 'production' },
      { path: 'tags.cost-centre', before: '42', after: '43' },
    ];
    const p = plan(
      decision('enforce_policy', 'ec2.volume', 'vol-1', { restore }),
      now({ owner: 'nobody', 'cost-centre': '44' }),
      settings,
    );
    expect(p).toEqual({
      calls: [
        {
          service: 'ec2',
          operation: 'CreateTags',
          input: {
            Resources: ['vol-1'],
            Tags: [
              { Key: 'owner', Value: 'team-a' },
              { Key: 'environment', Value: 'production' },
            ],
          },
        },
      ],
      note: 'changed again since the drift, left as is: cost-centre',
    });
  });

  it('a restore overrides a value auto_tag filled in meanwhile, not one a person set', () => {
    const restore = [{ path: 'tags.environment', before: 'production' }];
    const d = decision('enforce_policy', 'ec2.instance', 'i-1', { restore });
    expect(plan(d, now({ environment: 'staging' }, { ownTags: { environment: 'staging' } }), settings)).toMatchObject({
      calls: [{ operation: 'CreateTags', input: { Tags: [{ Key: 'environment', Value: 'production' }] } }],
    });
    expect(plan(d, now({ environment: 'staging' }), settings)).toEqual({
      calls: [],
      note: 'changed again since the drift, left as is: environment',
    });
  });

  it('never modifies a blessed resource, except to protect it; protect only where the type has it', () => {
    const blessed = now({ 'elava:blessed': 'true' });
    expect(plan(decision('auto_tag', 'ec2.instance', 'i-1'), blessed, settings)).toEqual({
      refused: 'a blessed resource is never modified, only protected',
    });
    expect(plan(decision('protect', 'rds.instance', 'orders'), blessed, settings)).toMatchObject({
      calls: [{ operation: 'ModifyDBInstance', input: { DBInstanceIdentifier: 'orders', DeletionProtection: true } }],
    });
    expect(
      plan(decision('protect', 'ec2.instance', 'i-1'), now({ 'elava:blessed': 'true' }, { protected: true }), settings),
    ).toEqual({
      calls: [],
      note: 'already protected',
    });
    expect(plan(decision('protect', 'ec2.volume', 'vol-1'), blessed, settings)).toEqual({
      refused: 'ec2.volume has no termination or deletion protection',
    });
  });

  it('protects production only with auto_protect_prod; a gone resource or a foreign action is refused', () => {
    const prod = now({ environment: 'production' });
    expect(plan(decision('protect', 'ec2.instance', 'i-1'), prod, settings)).toHaveProperty('refused');
    expect(
      plan(decision('protect', 'ec2.instance', 'i-1'), prod, { ...settings, autoProtectProd: true }),
    ).toMatchObject({
      calls: [
        { operation: 'ModifyInstanceAttribute', input: { InstanceId: 'i-1', DisableApiTermination: { Value: true } } },
      ],
    });
    expect(plan(decision('auto_tag', 'ec2.instance', 'i-1'), { exists: false, tags: {} }, settings)).toEqual({
      refused: 'the resource no longer exists',
    });
    expect(plan(decision('notify', 'ec2.instance', 'i-1'), now({}), settings)).toHaveProperty('refused');
  });
});

describe('plan for types whose reader module says how their tags are written', () => {
  it('a type AWS cannot tag is refused with the reason, never recorded as done with no calls', () => {
    for (const action of ['auto_tag', 'enforce_policy'] as const) {
      const p = plan(decision(action, 'iam.group', 'admins'), now({}), settings);
      expect(p).toMatchObject({ refused: expect.stringMatching(/^iam\.group tags cannot be written: .{8,}/) });
    }
  });

  it('a global type is tagged through its own API, by the name or ARN its module names', () => {
    const p = plan(
      decision('auto_tag', 'iam.role', 'deployer'),
      now({}, { attributes: { arn: 'arn:aws:iam::123456789012:role/deployer' } }),
      settings,
    );
    expect('calls' in p && p.calls.map((c) => `${c.service}:${c.operation}`)).toEqual(['iam:TagRole']);
  });
});
