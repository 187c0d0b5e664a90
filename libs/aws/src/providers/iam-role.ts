import {
  GetRoleCommand,
  GetRolePolicyCommand,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
  paginateListRoles,
} from '@aws-sdk/client-iam';
import type { Resource } from '@elava/types';
import { base, compact, iso, required, sorted, tagsOf } from '../normalize.js';
import type { Provider, ScanContext } from '../provider.js';
import {
  collect,
  IAM_TAG_WRITES,
  INLINE_POLICY_LIST_KEYS,
  type InlinePolicy,
  inlinePolicies,
  normalizePolicyDocument,
  type PolicyDocument,
  readAll,
} from './iam-shared.js';

export interface IamRoleAttributes {
  arn: string;
  unique_id: string;
  path: string;
  description?: string;
  /** Who may assume the role: the AssumeRolePolicyDocument, normalised. */
  trust_policy: PolicyDocument;
  max_session_duration?: number;
  permissions_boundary?: string;
  attached_policy_arns: string[];
  inline_policies: InlinePolicy[];
}

/**
 * One role in full. GetRole rather than the listing: ListRoles leaves out tags and the permissions
 * boundary. RoleLastUsed is left out: it moves with every use.
 */
async function role(ctx: ScanContext, name: string): Promise<Resource<'iam.role'>> {
  const iam = ctx.clients.client('iam');
  const r = required((await iam.send(new GetRoleCommand({ RoleName: name }))).Role, `GetRole ${name} Role`);
  const q = { RoleName: name };
  const [attached, inlineNames] = await Promise.all([
    collect(paginateListAttachedRolePolicies({ client: iam }, q), (p) => p.AttachedPolicies),
    collect(paginateListRolePolicies({ client: iam }, q), (p) => p.PolicyNames),
  ]);
  const inline = await inlinePolicies(
    inlineNames,
    async (PolicyName) => (await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName }))).PolicyDocument,
  );
  return {
    ...base(ctx, 'iam.role', name, tagsOf(r.Tags), name),
    status: 'active',
    created_at: iso(r.CreateDate),
    attributes: compact({
      arn: required(r.Arn, `${name} Arn`),
      unique_id: required(r.RoleId, `${name} RoleId`),
      path: r.Path ?? '/',
      description: r.Description || undefined,
      trust_policy: normalizePolicyDocument(required(r.AssumeRolePolicyDocument, `${name} AssumeRolePolicyDocument`)),
      max_session_duration: r.MaxSessionDuration,
      permissions_boundary: r.PermissionsBoundary?.PermissionsBoundaryArn,
      attached_policy_arns: sorted(attached.map((p) => p.PolicyArn)),
      inline_policies: inline,
    } satisfies IamRoleAttributes),
  };
}

export const iamRole: Provider<'iam.role'> = {
  type: 'iam.role',
  service: 'iam',
  cfnType: 'AWS::IAM::Role',
  global: true,
  operations: ['ListRoles', 'GetRole', 'ListAttachedRolePolicies', 'ListRolePolicies', 'GetRolePolicy'],
  serverSideTagFilter: false,
  listKeys: { ...INLINE_POLICY_LIST_KEYS, 'attributes.trust_policy.statements': 'sid' },
  tagWrites: IAM_TAG_WRITES.role,
  async *pages(ctx, _filter, ids) {
    if (ids) {
      yield await readAll(ids, (n) => role(ctx, n));
      return;
    }
    const iam = ctx.clients.client('iam');
    for await (const page of paginateListRoles({ client: iam, pageSize: ctx.pageSize }, {})) {
      const names = (page.Roles ?? []).map((r) => required(r.RoleName, 'Role.RoleName'));
      yield await readAll(names, (n) => role(ctx, n));
    }
  },
};
