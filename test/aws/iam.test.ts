import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  AddRoleToInstanceProfileCommand,
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateInstanceProfileCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  IAMClient,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagInstanceProfileCommand,
  TagPolicyCommand,
  TagRoleCommand,
  TagUserCommand,
  UpdateAccessKeyCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';
import { PROVIDERS, READ_ONLY, readOne, type ScanContext, WRITE_OPERATIONS } from '@elava/aws';
import { customBuiltins } from '@elava/policies/builtins';
import { type AnyResource, parseResourceId } from '@elava/types';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizePolicyDocument } from '../../libs/aws/src/providers/iam-shared.js';
import { awsClientConfig, unique } from '../support/infra.js';
import { findNative, readerContext, scanType } from '../support/readers.js';

const ACCOUNT = '123456789012';
const REGION = 'global';
const IAM_TYPES = ['iam.user', 'iam.role', 'iam.group', 'iam.policy', 'iam.instance_profile'] as const;
type IamType = (typeof IAM_TYPES)[number];

const _credentials = async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' });

const ctxFor = (opts: { pageSize?: number; writes?: ReadonlySet<string> } = {}): ScanContext =>
  readerContext(REGION, opts);

const scan = <T extends IamType>(type: T, opts: { pageSize?: number; ids?: string[] } = {}) =>
  scanType(type, REGION, opts);

const find = findNative;

const one = async <T extends IamType>(type: T, name: string) => find((await scan(type, { ids: [name] })).all, name);

/** The provider's tag writes sent as the executor sends them, with only those writes allowed. */
async function writeTags(type: IamType, r: AnyResource, set: Record<string, string>, remove: Record<string, string>) {
  const p = PROVIDERS[type];
  if (!p.tagWrites.writable) throw new Error(`${type} is not taggable`);
  const ctx = ctxFor({ writes: WRITE_OPERATIONS });
  try {
    const calls = p.tagWrites.calls(
      { nativeId: r.native_id, arn: r.attributes.arn as string, tags: r.tags },
      set,
      remove,
    );
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      const Command = p.tagWrites.commands[call.operation];
      if (!Command) throw new Error(`no command for ${call.operation}`);
      expect(call.service).toBe('iam');
      await ctx.clients.client('iam').send(new Command(call.input));
    }
  } finally {
    ctx.clients.destroy();
  }
}

/** Tag writes really set and then remove a tag, as a rescan by id sees it. */
async function checkTagWrites(type: IamType, name: string) {
  const before = await one(type, name);
  await writeTags(type, before as AnyResource, { 'elava:probe': 'on' }, {});
  const tagged = await one(type, name);
  expect(tagged.tags['elava:probe']).toBe('on');
  await writeTags(type, tagged as AnyResource, {}, { 'elava:probe': 'on' });
  const untagged = await one(type, name);
  expect(untagged.tags['elava:probe']).toBeUndefined();
  expect(untagged).toEqual(before);
}

/** Canonical id, ARN, read-only operations, all declared; a second scan deep-equals the first. */
async function checkBasics(type: IamType, name: string, arn: string) {
  const first = await scan(type);
  const r = find(first.all, name);
  expect(parseResourceId(r.id)).toEqual({ provider: 'aws', account: ACCOUNT, region: REGION, type, nativeId: name });
  expect(r.id).toBe(`aws:${ACCOUNT}:global:${type}:${name}`);
  expect(r).toMatchObject({ type, region: REGION, account: ACCOUNT, name, status: 'active' });
  expect(r.attributes.arn).toBe(arn);
  expect(r.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  for (const op of PROVIDERS[type].operations) expect(op).toMatch(READ_ONLY);
  for (const op of first.operations) expect(PROVIDERS[type].operations).toContain(op);
  const second = await scan(type);
  expect(find(second.all, name)).toEqual(r);
  expect(await readOne(PROVIDERS[type], ctxFor(), name)).toEqual(r);
  expect(await readOne(PROVIDERS[type], ctxFor(), `${name}-missing`)).toBeUndefined();
  const byIds = await scan(type, { ids: [name, `${name}-missing`] });
  expect(byIds.all.map((x) => x.native_id)).toEqual([name]);
  return r;
}

const ADMIN_DOC = { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } };
const ADMIN_NORMALISED = {
  version: '2012-10-17',
  statements: [{ effect: 'Allow', action: ['*'], resource: ['*'] }],
};
const READ_DOC = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Read',
      Effect: 'Allow',
      Action: ['s3:ListBucket', 's3:GetObject'],
      Resource: ['arn:aws:s3:::b/*', 'arn:aws:s3:::b'],
      Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
    },
    { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' },
  ],
};
const READ_NORMALISED = {
  version: '2012-10-17',
  statements: [
    { effect: 'Deny', action: ['s3:DeleteObject'], resource: ['*'] },
    {
      sid: 'Read',
      effect: 'Allow',
      action: ['s3:GetObject', 's3:ListBucket'],
      resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'],
      condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8'] } },
    },
  ],
};
const trust = (principal: unknown) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
  });

describe('IAM readers against moto', () => {
  const iam = new IAMClient(awsClientConfig('us-east-1'));
  const run = unique('iam');
  const n = {
    alice: `${run}-alice`,
    bob: `${run}-bob`,
    carol: `${run}-carol`,
    svc: `${run}-svc`,
    open: `${run}-open`,
    xacct: `${run}-xacct`,
    ops: `${run}-ops`,
    admin: `${run}-admin`,
    read: `${run}-read`,
    profile: `${run}-profile`,
  };
  const arn: Record<string, string> = {};
  const uid: Record<string, string> = {};
  const secrets: string[] = [];
  const keyIds: string[] = [];
  let mfaSerial = '';

  beforeAll(async () => {
    const made = (name: string, entity: { Arn?: string } | undefined, id: string | undefined) => {
      arn[name] = entity?.Arn as string;
      uid[name] = id as string;
    };
    const admin = await iam.send(
      new CreatePolicyCommand({ PolicyName: n.admin, PolicyDocument: JSON.stringify(ADMIN_DOC) }),
    );
    made(n.admin, admin.Policy, admin.Policy?.PolicyId);
    const read = await iam.send(
      new CreatePolicyCommand({
        PolicyName: n.read,
        Path: '/team/',
        Description: 'read the bucket',
        PolicyDocument: JSON.stringify(READ_DOC),
        Tags: [{ Key: 'team', Value: 'data' }],
      }),
    );
    made(n.read, read.Policy, read.Policy?.PolicyId);

    for (const u of [n.alice, n.bob, n.carol]) {
      const out = await iam.send(
        new CreateUserCommand({ UserName: u, Path: u === n.alice ? '/eng/' : '/', Tags: [{ Key: 'owner', Value: u }] }),
      );
      made(u, out.User, out.User?.UserId);
    }
    await iam.send(new AttachUserPolicyCommand({ UserName: n.alice, PolicyArn: arn[n.read] }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: n.alice,
        PolicyName: 'inline-admin',
        PolicyDocument: JSON.stringify(ADMIN_DOC),
      }),
    );
    for (let i = 0; i < 2; i++) {
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: n.alice }))).AccessKey;
      secrets.push(key?.SecretAccessKey as string);
      keyIds.push(key?.AccessKeyId as string);
    }
    const mfa = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: `${run}-alice-mfa` }));
    mfaSerial = mfa.VirtualMFADevice?.SerialNumber as string;
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: n.alice,
        SerialNumber: mfaSerial,
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      }),
    );
    for (const u of [n.alice, n.bob])
      await iam.send(new CreateLoginProfileCommand({ UserName: u, Password: `Pw-${run}-secret!` }));

    const svc = await iam.send(
      new CreateRoleCommand({
        RoleName: n.svc,
        Path: '/service/',
        Description: 'ec2 workers',
        AssumeRolePolicyDocument: trust({ Service: 'ec2.amazonaws.com' }),
        MaxSessionDuration: 7200,
        PermissionsBoundary: arn[n.read],
        Tags: [{ Key: 'team', Value: 'web' }],
      }),
    );
    made(n.svc, svc.Role, svc.Role?.RoleId);
    await iam.send(new AttachRolePolicyCommand({ RoleName: n.svc, PolicyArn: arn[n.read] }));
    await iam.send(
      new PutRolePolicyCommand({ RoleName: n.svc, PolicyName: 'read', PolicyDocument: JSON.stringify(READ_DOC) }),
    );
    await iam.send(new CreateRoleCommand({ RoleName: n.open, AssumeRolePolicyDocument: trust('*') }));
    await iam.send(
      new CreateRoleCommand({
        RoleName: n.xacct,
        AssumeRolePolicyDocument: trust({ AWS: ['arn:aws:iam::999999999999:root', ACCOUNT] }),
      }),
    );

    const ops = await iam.send(new CreateGroupCommand({ GroupName: n.ops, Path: '/ops/' }));
    made(n.ops, ops.Group, ops.Group?.GroupId);
    await iam.send(new AddUserToGroupCommand({ GroupName: n.ops, UserName: n.alice }));
    await iam.send(new AttachGroupPolicyCommand({ GroupName: n.ops, PolicyArn: arn[n.read] }));
    await iam.send(
      new PutGroupPolicyCommand({ GroupName: n.ops, PolicyName: 'all', PolicyDocument: JSON.stringify(ADMIN_DOC) }),
    );

    const profile = await iam.send(
      new CreateInstanceProfileCommand({
        InstanceProfileName: n.profile,
        Path: '/ec2/',
        Tags: [{ Key: 'team', Value: 'web' }],
      }),
    );
    made(n.profile, profile.InstanceProfile, profile.InstanceProfile?.InstanceProfileId);
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: n.profile, RoleName: n.svc }));
  });

  it('normalises policy documents: URL-decoded, statements always a list, values sorted', () => {
    const encoded = encodeURIComponent(JSON.stringify(READ_DOC));
    expect(normalizePolicyDocument(encoded)).toEqual(READ_NORMALISED);
    expect(normalizePolicyDocument(ADMIN_DOC)).toEqual(ADMIN_NORMALISED);
    expect(normalizePolicyDocument(trust('*')).statements[0]?.principal).toEqual({ AWS: ['*'] });
    expect(normalizePolicyDocument(trust({ AWS: '*' }))).toEqual(normalizePolicyDocument(trust('*')));
    expect(() => normalizePolicyDocument('%7Bnot json')).toThrow(/malformed/);
  });

  it('iam.user: keys (ids, never secrets), MFA, console password, policies, groups', async () => {
    const alice = await checkBasics('iam.user', n.alice, arn[n.alice] as string);
    expect(alice.tags).toEqual({ owner: n.alice });
    expect(alice.attributes).toMatchObject({
      path: '/eng/',
      attached_policy_arns: [arn[n.read]],
      inline_policies: [{ name: 'inline-admin', document: ADMIN_NORMALISED }],
      groups: [n.ops],
      mfa_devices: [{ serial: mfaSerial }],
      has_console_password: true,
    });
    expect(alice.attributes.unique_id).toBe(uid[n.alice]);
    const keys = alice.attributes.access_keys as { id: string; status: string; created: string }[];
    expect(keys.map((k) => k.id)).toEqual([...keyIds].sort());
    for (const k of keys) {
      expect(Object.keys(k).sort()).toEqual(['created', 'id', 'status']); // moto never records a use
      expect(k.status).toBe('Active');
      expect(k.created).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    const json = JSON.stringify((await scan('iam.user')).all);
    for (const secret of secrets) expect(json).not.toContain(secret);
    expect(json).not.toContain(`Pw-${run}-secret!`);

    const users = (await scan('iam.user')).all;
    expect(find(users, n.bob).attributes).toMatchObject({
      has_console_password: true,
      mfa_devices: [],
      access_keys: [],
    });
    expect(find(users, n.carol).attributes).toMatchObject({
      has_console_password: false,
      groups: [],
      inline_policies: [],
    });

    // A tag and one key's status changed: the record differs in exactly those.
    await iam.send(new TagUserCommand({ UserName: n.alice, Tags: [{ Key: 'stage', Value: 'prod' }] }));
    await iam.send(new UpdateAccessKeyCommand({ UserName: n.alice, AccessKeyId: keyIds[0], Status: 'Inactive' }));
    const expected = structuredClone(alice);
    expected.tags.stage = 'prod';
    for (const k of expected.attributes.access_keys as { id: string; status: string }[])
      if (k.id === keyIds[0]) k.status = 'Inactive';
    expect(await one('iam.user', n.alice)).toEqual(expected);

    await checkTagWrites('iam.user', n.carol);
  });

  it('iam.role: trust policy, boundary, session length, policies; pages of ListRoles', async () => {
    const svc = await checkBasics('iam.role', n.svc, arn[n.svc] as string);
    expect(svc.tags).toEqual({ team: 'web' });
    expect(svc.attributes).toEqual({
      arn: arn[n.svc],
      unique_id: uid[n.svc],
      path: '/service/',
      description: 'ec2 workers',
      trust_policy: {
        version: '2012-10-17',
        statements: [{ effect: 'Allow', action: ['sts:AssumeRole'], principal: { Service: ['ec2.amazonaws.com'] } }],
      },
      max_session_duration: 7200,
      permissions_boundary: arn[n.read],
      attached_policy_arns: [arn[n.read]],
      inline_policies: [{ name: 'read', document: READ_NORMALISED }],
    });

    await iam.send(new TagRoleCommand({ RoleName: n.svc, Tags: [{ Key: 'stage', Value: 'prod' }] }));
    // The description given again: moto clears it when UpdateRole leaves it out.
    await iam.send(new UpdateRoleCommand({ RoleName: n.svc, MaxSessionDuration: 3600, Description: 'ec2 workers' }));
    const expected = structuredClone(svc);
    expected.tags.stage = 'prod';
    expected.attributes.max_session_duration = 3600;
    expect(await one('iam.role', n.svc)).toEqual(expected);

    const paged = await scan('iam.role', { pageSize: 2 });
    expect(paged.pages.length).toBeGreaterThan(1);
    for (const p of paged.pages) expect(p.length).toBeLessThanOrEqual(2);
    for (const r of [n.svc, n.open, n.xacct]) find(paged.all, r);
    expect(new Set(paged.all.map((r) => r.id)).size).toBe(paged.all.length);

    await checkTagWrites('iam.role', n.open);
  });

  it('iam.group: members, policies; not taggable', async () => {
    const ops = await checkBasics('iam.group', n.ops, arn[n.ops] as string);
    expect(ops.tags).toEqual({});
    expect(ops.attributes).toEqual({
      arn: arn[n.ops],
      unique_id: uid[n.ops],
      path: '/ops/',
      members: [n.alice],
      attached_policy_arns: [arn[n.read]],
      inline_policies: [{ name: 'all', document: ADMIN_NORMALISED }],
    });
    expect(PROVIDERS['iam.group'].tagWrites).toEqual({ writable: false, why: 'IAM groups cannot be tagged' });

    await iam.send(new AddUserToGroupCommand({ GroupName: n.ops, UserName: n.carol }));
    const expected = structuredClone(ops);
    expected.attributes.members = [n.alice, n.carol].sort();
    expect(await one('iam.group', n.ops)).toEqual(expected);
  });

  it('iam.policy: customer managed only, default version document; pages of ListPolicies', async () => {
    const read = await checkBasics('iam.policy', n.read, arn[n.read] as string);
    expect(read.tags).toEqual({ team: 'data' });
    expect(read.attributes).toEqual({
      arn: arn[n.read],
      unique_id: uid[n.read],
      path: '/team/',
      description: 'read the bucket',
      default_version_id: 'v1',
      is_attachable: true,
      document: READ_NORMALISED,
    });
    const all = (await scan('iam.policy')).all;
    expect(all.filter((p) => (p.attributes.arn as string).startsWith('arn:aws:iam::aws:'))).toEqual([]);

    await iam.send(new TagPolicyCommand({ PolicyArn: arn[n.read], Tags: [{ Key: 'stage', Value: 'prod' }] }));
    await iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: arn[n.read],
        PolicyDocument: JSON.stringify(ADMIN_DOC),
        SetAsDefault: true,
      }),
    );
    const expected = structuredClone(read);
    expected.tags.stage = 'prod';
    expected.attributes.default_version_id = 'v2';
    expected.attributes.document = ADMIN_NORMALISED;
    expect(await one('iam.policy', n.read)).toEqual(expected);

    const paged = await scan('iam.policy', { pageSize: 1 });
    expect(paged.pages.length).toBeGreaterThan(1);
    for (const p of [n.read, n.admin]) find(paged.all, p);

    await checkTagWrites('iam.policy', n.admin);
  });

  it('iam.instance_profile: its role, tags', async () => {
    const p = await checkBasics('iam.instance_profile', n.profile, arn[n.profile] as string);
    expect(p.tags).toEqual({ team: 'web' });
    expect(p.attributes).toEqual({
      arn: arn[n.profile],
      unique_id: uid[n.profile],
      path: '/ec2/',
      role_names: [n.svc],
    });

    await iam.send(
      new TagInstanceProfileCommand({ InstanceProfileName: n.profile, Tags: [{ Key: 'stage', Value: 'prod' }] }),
    );
    await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: n.profile, RoleName: n.svc }));
    const expected = structuredClone(p);
    expected.tags.stage = 'prod';
    expected.attributes.role_names = [];
    expect(await one('iam.instance_profile', n.profile)).toEqual(expected);

    await checkTagWrites('iam.instance_profile', n.profile);
  });

  describe('elava.iam, compiled to WebAssembly, on the scanned resources', () => {
    const DIST = resolve(import.meta.dirname, '../../policies/dist');
    const evaluate = async (input: unknown, data: unknown = {}) => {
      const policy = await loadPolicy(readFileSync(join(DIST, 'iam.wasm')), undefined, customBuiltins);
      policy.setData(data as object);
      const msgs = (rule: string) =>
        ((policy.evaluate(input, `elava/iam/${rule}`)[0]?.result ?? []) as { msg: string }[]).map((x) => x.msg);
      return { deny: msgs('deny'), warn: msgs('warn') };
    };
    const days = (iso: string, d: number) => new Date(Date.parse(iso) + d * 86_400_000).toISOString();

    it('console password without MFA: bob denied, alice (MFA) and carol (no password) quiet', async () => {
      const users = (await scan('iam.user')).all;
      const now = new Date().toISOString();
      expect((await evaluate({ resource: find(users, n.bob), now })).deny).toEqual([
        `IAM user ${n.bob} can sign in to the console with a password and has no MFA device`,
      ]);
      const alice = await evaluate({ resource: find(users, n.alice), now });
      expect(alice.deny.filter((m) => m.includes('console'))).toEqual([]);
      expect((await evaluate({ resource: find(users, n.carol), now })).deny).toEqual([]);
    });

    it('access keys: old and never used warn 100 days on, quiet today', async () => {
      const alice = await one('iam.user', n.alice);
      const active = (alice.attributes.access_keys as { id: string; status: string; created: string }[]).filter(
        (k) => k.status === 'Active',
      );
      expect(active.length).toBeGreaterThan(0);
      const now = days(active[0]?.created as string, 100);
      const later = await evaluate({ resource: alice, now });
      const expected = active.flatMap((k) => {
        const age = Math.floor((Date.parse(now) - Date.parse(k.created)) / 86_400_000);
        return [
          `access key ${k.id} of IAM user ${n.alice} is ${age} days old`,
          `active access key ${k.id} of IAM user ${n.alice} is unused: never used, created ${age} days ago`,
        ];
      });
      expect(later.warn.sort()).toEqual(expected.sort());
      expect((await evaluate({ resource: alice, now: new Date().toISOString() })).warn).toEqual([]);
    });

    it('"*" on "*": the admin policy and inline admin policies denied, the scoped policy quiet', async () => {
      const policies = (await scan('iam.policy')).all;
      expect((await evaluate({ resource: find(policies, n.admin) })).deny).toEqual([
        `managed policy ${n.admin} allows every action ("*") on every resource ("*")`,
      ]);
      const group = await one('iam.group', n.ops);
      expect((await evaluate({ resource: group })).deny).toEqual([
        `inline policy all of iam.group ${n.ops} allows every action ("*") on every resource ("*")`,
      ]);
      const carol = await one('iam.user', n.carol);
      expect((await evaluate({ resource: carol })).deny).toEqual([]);
      const svc = await one('iam.role', n.svc);
      expect((await evaluate({ resource: svc })).deny).toEqual([]);
    });

    it('trust: "*" denied, a foreign account warned when accounts are configured, a service role quiet', async () => {
      const roles = (await scan('iam.role')).all;
      expect((await evaluate({ resource: find(roles, n.open) })).deny).toEqual([
        `role ${n.open} can be assumed by any principal ("*")`,
      ]);
      const xacct = find(roles, n.xacct);
      expect((await evaluate({ resource: xacct }, { elava: { config: { accounts: [ACCOUNT] } } })).warn).toEqual([
        `role ${n.xacct} can be assumed from account 999999999999, which is not one of ours (arn:aws:iam::999999999999:root)`,
      ]);
      const ours = { elava: { config: { accounts: [ACCOUNT, '999999999999'] } } };
      expect(await evaluate({ resource: xacct }, ours)).toEqual({ deny: [], warn: [] });
      expect(await evaluate({ resource: xacct })).toEqual({ deny: [], warn: [] });
      expect(await evaluate({ resource: find(roles, n.svc) }, ours)).toEqual({ deny: [], warn: [] });
    });
  });
});
