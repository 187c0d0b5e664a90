import {
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  paginateListAccessKeys,
  paginateListAttachedUserPolicies,
  paginateListGroupsForUser,
  paginateListMFADevices,
  paginateListUserPolicies,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import type { Resource } from '@elava/types';
import { base, byKey, compact, iso, required, sorted, tagsOf } from '../normalize.js';
import { isNotFound, type Provider, type ScanContext } from '../provider.js';
import {
  collect,
  IAM_TAG_WRITES,
  INLINE_POLICY_LIST_KEYS,
  type InlinePolicy,
  inlinePolicies,
  readAll,
} from './iam-shared.js';

export interface IamAccessKey {
  /** The access key id (AKIA…): never the secret, which no read returns anyway. */
  id: string;
  status: string;
  created?: string;
  /** YYYY-MM-DD: the day only, so that a key in use changes the record once a day at most. */
  last_used_date?: string;
}

export interface IamUserAttributes {
  arn: string;
  unique_id: string;
  path: string;
  permissions_boundary?: string;
  attached_policy_arns: string[];
  inline_policies: InlinePolicy[];
  groups: string[];
  access_keys: IamAccessKey[];
  mfa_devices: { serial: string; enabled_date?: string }[];
  has_console_password: boolean;
}

async function accessKey(ctx: ScanContext, k: { AccessKeyId?: string; Status?: string; CreateDate?: Date }) {
  const id = required(k.AccessKeyId, 'AccessKeyMetadata.AccessKeyId');
  const used = await ctx.clients.client('iam').send(new GetAccessKeyLastUsedCommand({ AccessKeyId: id }));
  return compact({
    id,
    status: required(k.Status, `${id} Status`),
    created: iso(k.CreateDate),
    last_used_date: iso(used.AccessKeyLastUsed?.LastUsedDate)?.slice(0, 10),
  });
}

/** A login profile is the console password; NoSuchEntity is the answer "none". */
async function hasConsolePassword(ctx: ScanContext, name: string): Promise<boolean> {
  try {
    await ctx.clients.client('iam').send(new GetLoginProfileCommand({ UserName: name }));
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * One user in full. GetUser rather than the listing: ListUsers leaves out tags and the
 * permissions boundary. Password and key "last used" times are left out but for the key's day.
 */
async function user(ctx: ScanContext, name: string): Promise<Resource<'iam.user'>> {
  const iam = ctx.clients.client('iam');
  const u = required((await iam.send(new GetUserCommand({ UserName: name }))).User, `GetUser ${name} User`);
  const q = { UserName: name };
  const [attached, inlineNames, groups, keys, mfa, password] = await Promise.all([
    collect(paginateListAttachedUserPolicies({ client: iam }, q), (p) => p.AttachedPolicies),
    collect(paginateListUserPolicies({ client: iam }, q), (p) => p.PolicyNames),
    collect(paginateListGroupsForUser({ client: iam }, q), (p) => p.Groups),
    collect(paginateListAccessKeys({ client: iam }, q), (p) => p.AccessKeyMetadata),
    collect(paginateListMFADevices({ client: iam }, q), (p) => p.MFADevices),
    hasConsolePassword(ctx, name),
  ]);
  const inline = await inlinePolicies(
    inlineNames,
    async (PolicyName) => (await iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName }))).PolicyDocument,
  );
  const accessKeys = await Promise.all(keys.map((k) => accessKey(ctx, k)));
  return {
    ...base(ctx, 'iam.user', name, tagsOf(u.Tags), name),
    status: 'active',
    created_at: iso(u.CreateDate),
    attributes: compact({
      arn: required(u.Arn, `${name} Arn`),
      unique_id: required(u.UserId, `${name} UserId`),
      path: u.Path ?? '/',
      permissions_boundary: u.PermissionsBoundary?.PermissionsBoundaryArn,
      attached_policy_arns: sorted(attached.map((p) => p.PolicyArn)),
      inline_policies: inline,
      groups: sorted(groups.map((g) => g.GroupName)),
      access_keys: byKey(accessKeys, (k) => k.id),
      mfa_devices: byKey(
        mfa.map((d) =>
          compact({ serial: required(d.SerialNumber, `${name} MFA SerialNumber`), enabled_date: iso(d.EnableDate) }),
        ),
        (d) => d.serial,
      ),
      has_console_password: password,
    } satisfies IamUserAttributes),
  };
}

export const iamUser: Provider<'iam.user'> = {
  type: 'iam.user',
  service: 'iam',
  cfnType: 'AWS::IAM::User',
  global: true,
  operations: [
    'ListUsers',
    'GetUser',
    'ListAttachedUserPolicies',
    'ListUserPolicies',
    'GetUserPolicy',
    'ListGroupsForUser',
    'ListAccessKeys',
    'GetAccessKeyLastUsed',
    'ListMFADevices',
    'GetLoginProfile',
  ],
  serverSideTagFilter: false,
  listKeys: { ...INLINE_POLICY_LIST_KEYS, 'attributes.access_keys': 'id', 'attributes.mfa_devices': 'serial' },
  tagWrites: IAM_TAG_WRITES.user,
  async *pages(ctx, _filter, ids) {
    if (ids) {
      yield await readAll(ids, (n) => user(ctx, n));
      return;
    }
    const iam = ctx.clients.client('iam');
    for await (const page of paginateListUsers({ client: iam, pageSize: ctx.pageSize }, {})) {
      const names = (page.Users ?? []).map((u) => required(u.UserName, 'User.UserName'));
      yield await readAll(names, (n) => user(ctx, n));
    }
  },
};
