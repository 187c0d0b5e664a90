import { scanJobSchema } from '@elava/bus';
import { describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  assumedRole,
  attachRolePolicy,
  authorizeIngress,
  createTags,
  ec2StateChange,
  envelope,
  iamUser,
  identityCenterSession,
  identityCenterUser,
  putBucketPolicy,
  record,
  terminateInstances,
  updateFunctionConfiguration,
} from '../../../test/support/cloudtrail.js';
import { jobsFor } from './jobs.js';
import { type Routed, route } from './route.js';

const origin = { account: ACCOUNT, region: 'us-east-1' };
const settings = {
  accounts: new Set([ACCOUNT]),
  executorRoles: new Set([`arn:aws:iam::${ACCOUNT}:role/elava-executor-role`]),
};
const routed = (detail: Record<string, unknown>) => route(JSON.stringify(envelope(detail)), origin, settings);
const targets = (r: Routed) => {
  if (r.kind !== 'targets') throw new Error(`expected targets, got ${JSON.stringify(r)}`);
  return r.targets.map(({ actor: _a, ...t }) => t);
};
const actor = (r: Routed) => (r.kind === 'targets' ? r.targets[0]?.actor : undefined);

describe('events → resources to re-read', () => {
  it('CreateTags maps each id to the EC2 type its prefix names, leaving out kinds Elava does not read', () => {
    const r = routed(createTags(['i-0abc', 'sg-0def', 'vol-1', 'ami-0123', 'i-0fff'], iamUser('bob')));
    expect(targets(r)).toEqual([
      { account: ACCOUNT, region: 'us-east-1', type: 'ec2.instance', ids: ['i-0abc', 'i-0fff'], gone: [] },
      { account: ACCOUNT, region: 'us-east-1', type: 'ec2.security_group', ids: ['sg-0def'], gone: [] },
      { account: ACCOUNT, region: 'us-east-1', type: 'ec2.volume', ids: ['vol-1'], gone: [] },
    ]);
    expect(actor(r)).toMatchObject({
      principal_arn: `arn:aws:iam::${ACCOUNT}:user/bob`,
      principal_type: 'IAMUser',
      event_name: 'CreateTags',
      source_ip: '203.0.113.7',
      via: 'event',
    });
    expect(actor(r)?.user_agent).toMatch(/^aws-cli\//);
    expect(actor(r)?.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('maps the calls of each service Elava reads, deletes as gone, IAM under the region global', () => {
    const who = assumedRole('ci', 'pipeline-42');
    expect(targets(routed(authorizeIngress('sg-0aa', who)))).toEqual([
      { account: ACCOUNT, region: 'us-east-1', type: 'ec2.security_group', ids: ['sg-0aa'], gone: [] },
    ]);
    expect(targets(routed(terminateInstances(['i-1', 'i-2'], who)))).toEqual([
      { account: ACCOUNT, region: 'us-east-1', type: 'ec2.instance', ids: ['i-1', 'i-2'], gone: ['i-1', 'i-2'] },
    ]);
    expect(targets(routed(putBucketPolicy('logs', who, { Statement: [] })))).toEqual([
      { account: ACCOUNT, region: 'us-east-1', type: 's3.bucket', ids: ['logs'], gone: [] },
    ]);
    expect(targets(routed(attachRolePolicy('app', 'arn:aws:iam::aws:policy/AdministratorAccess', who)))).toEqual([
      { account: ACCOUNT, region: 'global', type: 'iam.role', ids: ['app'], gone: [] },
    ]);
    const lambda = routed(updateFunctionConfiguration('resize', who, { timeout: 30 }));
    expect(targets(lambda)).toEqual([
      { account: ACCOUNT, region: 'us-east-1', type: 'lambda.function', ids: ['resize'], gone: [] },
    ]);
    expect(actor(lambda)?.event_name).toBe('UpdateFunctionConfiguration20150331v2');
    const one = (source: string, name: string, request: Record<string, unknown>, response?: Record<string, unknown>) =>
      targets(routed(record({ source, name, identity: who, request, response })));
    expect(one('ec2.amazonaws.com', 'RunInstances', {}, { instancesSet: { items: [{ instanceId: 'i-9' }] } })).toEqual([
      { account: ACCOUNT, region: 'us-east-1', type: 'ec2.instance', ids: ['i-9'], gone: [] },
    ]);
    for (const name of ['StopInstances', 'StartInstances'])
      expect(one('ec2.amazonaws.com', name, { instancesSet: { items: [{ instanceId: 'i-3' }] } })[0]?.ids).toEqual([
        'i-3',
      ]);
    expect(one('s3.amazonaws.com', 'DeleteBucket', { bucketName: 'old' })[0]?.gone).toEqual(['old']);
    expect(one('s3.amazonaws.com', 'PutBucketTagging', { bucketName: 'b' })[0]?.type).toBe('s3.bucket');
    for (const name of ['DetachRolePolicy', 'PutRolePolicy', 'TagRole', 'CreateRole'])
      expect(one('iam.amazonaws.com', name, { roleName: 'r' })[0]).toMatchObject({ type: 'iam.role', ids: ['r'] });
    expect(one('iam.amazonaws.com', 'DeleteRole', { roleName: 'r' })[0]?.gone).toEqual(['r']);
    expect(one('iam.amazonaws.com', 'CreateUser', { userName: 'u' })[0]).toMatchObject({ type: 'iam.user', gone: [] });
    expect(one('iam.amazonaws.com', 'DeleteUser', { userName: 'u' })[0]).toMatchObject({
      type: 'iam.user',
      gone: ['u'],
    });
    expect(
      one('lambda.amazonaws.com', 'TagResource20170331v2', {
        resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:fn`,
      }),
    ).toEqual([{ account: ACCOUNT, region: 'us-east-1', type: 'lambda.function', ids: ['fn'], gone: [] }]);
    expect(one('rds.amazonaws.com', 'ModifyDBInstance', { dBInstanceIdentifier: 'db1' })[0]?.type).toBe('rds.instance');
    expect(
      one('rds.amazonaws.com', 'AddTagsToResource', { resourceName: `arn:aws:rds:us-east-1:${ACCOUNT}:cluster:c1` }),
    ).toEqual([{ account: ACCOUNT, region: 'us-east-1', type: 'rds.cluster', ids: ['c1'], gone: [] }]);
  });

  it("EC2's state-change notification re-reads the instance, gone once terminated, with no caller", () => {
    const running = route(JSON.stringify(ec2StateChange('i-7', 'stopping')), origin, settings);
    expect(targets(running)).toEqual([
      { account: ACCOUNT, region: 'us-east-1', type: 'ec2.instance', ids: ['i-7'], gone: [] },
    ]);
    expect(actor(running)).toBeUndefined();
    expect(targets(route(JSON.stringify(ec2StateChange('i-7', 'terminated')), origin, settings))[0]?.gone).toEqual([
      'i-7',
    ]);
  });

  it('names the person behind a shared role (sourceIdentity) and IAM Identity Center users', () => {
    const shared = actor(routed(createTags(['i-1'], assumedRole('deployer', 'ci-run', { sourceIdentity: 'alice' }))));
    expect(shared).toMatchObject({
      principal_arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci-run`,
      principal_type: 'AssumedRole',
      session_issuer: `arn:aws:iam::${ACCOUNT}:role/deployer`,
      source_identity: 'alice',
    });
    expect(shared?.elava).toBeUndefined();
    expect(actor(routed(createTags(['i-1'], identityCenterSession('alice@example.com'))))).toMatchObject({
      principal_arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice@example.com`,
      session_issuer: `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123456789abcdef`,
    });
    expect(
      actor(routed(createTags(['i-1'], identityCenterUser('94482488-3041-7026-18f3-be45837cd0e4')))),
    ).toMatchObject({
      principal_arn: `arn:aws:identitystore::${ACCOUNT}:identitystore/d-9067642ac7/user/94482488-3041-7026-18f3-be45837cd0e4`,
      principal_type: 'IdentityCenterUser',
    });
  });

  it("attributes Elava's own executor writes to Elava (its role, or its session name)", () => {
    expect(actor(routed(createTags(['i-1'], assumedRole('elava-executor-role', 'whatever'))))?.elava).toBe(true);
    expect(actor(routed(createTags(['i-1'], assumedRole('other-role', 'elava-executor'))))?.elava).toBe(true);
  });

  it('ignores reads and refused calls, counts unmapped calls and service events by name', () => {
    const who = iamUser('bob');
    expect(routed(createTags(['i-1'], who))).toMatchObject({ kind: 'targets' });
    expect(
      routed(record({ source: 'ec2.amazonaws.com', name: 'DescribeInstances', identity: who, readOnly: true })),
    ).toMatchObject({
      kind: 'ignored',
      reason: 'read_only',
    });
    expect(
      routed(
        record({
          ...{ source: 'ec2.amazonaws.com', name: 'CreateTags', identity: who },
          errorCode: 'Client.UnauthorizedOperation',
        }),
      ),
    ).toMatchObject({ kind: 'ignored', reason: 'failed_call' });
    expect(
      routed(
        record({ source: 'dynamodb.amazonaws.com', name: 'UpdateTable', identity: who, request: { tableName: 't' } }),
      ),
    ).toMatchObject({
      kind: 'unmapped',
      name: 'UpdateTable',
    });
    // CreateTags on an AMI: a call Elava maps, on nothing it reads.
    expect(routed(createTags(['ami-0123'], who))).toMatchObject({ kind: 'unmapped', name: 'CreateTags' });
    const other = { ...envelope(createTags(['i-1'], who)), 'detail-type': 'AWS Health Event' };
    expect(route(JSON.stringify(other), origin, settings)).toMatchObject({
      kind: 'unmapped',
      name: 'AWS Health Event',
    });
  });

  it('drops an event of an account not configured, naming it', () => {
    const r = routed(
      record({
        ...{ source: 'ec2.amazonaws.com', name: 'CreateTags', identity: iamUser('x') },
        account: '999999999999',
        request: { resourcesSet: { items: [{ resourceId: 'i-1' }] } },
      }),
    );
    expect(r).toMatchObject({ kind: 'foreign', account: '999999999999' });
  });

  it('calls malformed what cannot be read, with the reason', () => {
    const bad = (body: string) => route(body, origin, settings);
    expect(bad('{not json')).toMatchObject({ kind: 'malformed', reason: expect.stringMatching(/^not JSON/) });
    expect(bad('{"hello":"world"}')).toMatchObject({
      kind: 'malformed',
      reason: expect.stringMatching(/^not an EventBridge event: id/),
    });
    expect(bad(JSON.stringify(envelope({ eventName: 'CreateTags' })))).toMatchObject({
      kind: 'malformed',
      reason: expect.stringContaining('detail.eventSource'),
    });
    // CreateTags always names its resources: one that does not is not the documented shape.
    expect(
      routed(record({ source: 'ec2.amazonaws.com', name: 'CreateTags', identity: iamUser('x'), request: {} })),
    ).toMatchObject({
      kind: 'malformed',
      reason: 'ec2.amazonaws.com CreateTags names no resource where CloudTrail always does',
    });
  });

  it('unwraps an SNS notification around the event', () => {
    const inner = envelope(createTags(['i-1'], iamUser('bob')));
    const sns = { Type: 'Notification', MessageId: 'm', Message: JSON.stringify(inner) };
    expect(targets(route(JSON.stringify(sns), origin, settings))[0]?.ids).toEqual(['i-1']);
  });
});

describe('jobs for the events of one receive', () => {
  const targetsOf = (r: Routed) => {
    if (r.kind !== 'targets') throw new Error('expected targets');
    return { id: r.event.id, time: r.event.time ?? '', targets: r.targets };
  };

  it('one valid scan job per scope, its id the same for the same events (a redelivery adds nothing)', () => {
    const env = envelope(terminateInstances(['i-1', 'i-2'], iamUser('bob')), 'event-1');
    const e = targetsOf(route(JSON.stringify(env), origin, settings));
    const jobs = jobsFor([e]);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      requested_by: 'events',
      ids: ['i-1', 'i-2'],
      gone: ['i-1', 'i-2'],
      events: ['event-1'],
    });
    expect(jobs[0]?.actors?.['i-2']?.principal_arn).toBe(`arn:aws:iam::${ACCOUNT}:user/bob`);
    expect(scanJobSchema.safeParse(jobs[0]).success).toBe(true);
    expect(jobsFor([e])[0]?.scan_id).toBe(jobs[0]?.scan_id);
    // The same message twice in one receive is the same job.
    expect(jobsFor([e, e]).map((j) => j.scan_id)).toEqual([jobs[0]?.scan_id]);
    expect(jobsFor([{ ...e, id: 'event-2' }])[0]?.scan_id).not.toBe(jobs[0]?.scan_id);
    expect(jobs[0]?.scan_id).toMatch(/^ev-[0-9a-f]{24}$/);
  });

  it('merges the events of a receive per scope: the newest event names the actor and says whether gone', () => {
    const at = (s: number) => `2026-12-01T10:00:0${s}Z`;
    const ev = (id: string, s: number, detail: Record<string, unknown>) => ({
      ...targetsOf(route(JSON.stringify(envelope(detail, id)), origin, settings)),
      time: at(s),
    });
    const jobs = jobsFor([
      ev(
        'b',
        2,
        record({
          source: 's3.amazonaws.com',
          name: 'CreateBucket',
          identity: iamUser('carol'),
          request: { bucketName: 'x' },
        }),
      ),
      ev(
        'a',
        1,
        record({
          source: 's3.amazonaws.com',
          name: 'DeleteBucket',
          identity: iamUser('alice'),
          request: { bucketName: 'x' },
        }),
      ),
      ev('c', 3, createTags(['i-1', 'sg-1'], iamUser('dave'))),
      ev(
        'd',
        4,
        record({
          source: 's3.amazonaws.com',
          name: 'DeleteBucket',
          identity: iamUser('erin'),
          request: { bucketName: 'y' },
        }),
      ),
    ]);
    const byType = Object.fromEntries(jobs.map((j) => [j.scope.type, j]));
    expect(Object.keys(byType).sort()).toEqual(['ec2.instance', 'ec2.security_group', 's3.bucket']);
    expect(byType['s3.bucket']).toMatchObject({ ids: ['x', 'y'], gone: ['y'], events: ['a', 'b', 'd'] });
    expect(byType['s3.bucket']?.actors?.x?.principal_arn).toBe(`arn:aws:iam::${ACCOUNT}:user/carol`);
    expect(byType['s3.bucket']?.actors?.y?.principal_arn).toBe(`arn:aws:iam::${ACCOUNT}:user/erin`);
    expect(byType['ec2.instance']).toMatchObject({ ids: ['i-1'], events: ['c'] });
    for (const j of jobs) expect(scanJobSchema.safeParse(j).success).toBe(true);
  });

  it('splits many ids into jobs of at most 200', () => {
    const ids = Array.from({ length: 450 }, (_, i) => `i-${String(i).padStart(3, '0')}`);
    const jobs = jobsFor([
      {
        id: 'e',
        time: '',
        targets: [{ account: ACCOUNT, region: 'us-east-1', type: 'ec2.instance', ids, gone: ['i-300'] }],
      },
    ]);
    expect(jobs.map((j) => j.ids.length)).toEqual([200, 200, 50]);
    expect(jobs.map((j) => j.gone ?? [])).toEqual([[], ['i-300'], []]);
    expect(new Set(jobs.map((j) => j.scan_id)).size).toBe(3);
  });
});
