import {
  type GetGroupCommandOutput,
  GetGroupPolicyCommand,
  paginateGetGroup,
  paginateListAttachedGroupPolicies,
  paginateListGroupPolicies,
  paginateListGroups,
} from '@aws-sdk/client-iam';
import type { Resource } from '@elava/types';
import { base, compact, iso, required, sorted } from '../normalize.js';
import type { Provider, ScanContext } from '../provider.js';
import { collect, INLINE_POLICY_LIST_KEYS, type InlinePolicy, inlinePolicies, readAll } from './iam-shared.js';

export interface IamGroupAttributes {
  arn: string;
  unique_id: string;
  path: string;
  /** User names of the members. */
  members: string[];
  attached_policy_arns: string[];
  inline_policies: InlinePolicy[];
}

/** One group in full: GetGroup pages through its members, the group itself on every page. */
async function group(ctx: ScanContext, name: string): Promise<Resource<'iam.group'>> {
  const iam = ctx.clients.client('iam');
  const q = { GroupName: name };
  const [pages, attached, inlineNames] = await Promise.all([
    collect(paginateGetGroup({ client: iam }, q), (p): GetGroupCommandOutput[] => [p]),
    collect(paginateListAttachedGroupPolicies({ client: iam }, q), (p) => p.AttachedPolicies),
    collect(paginateListGroupPolicies({ client: iam }, q), (p) => p.PolicyNames),
  ]);
  const g = required(pages[0]?.Group, `GetGroup ${name} Group`);
  const inline = await inlinePolicies(
    inlineNames,
    async (PolicyName) => (await iam.send(new GetGroupPolicyCommand({ GroupName: name, PolicyName }))).PolicyDocument,
  );
  return {
    // IAM groups carry no tags.
    ...base(ctx, 'iam.group', name, {}, name),
    status: 'active',
    created_at: iso(g.CreateDate),
    attributes: compact({
      arn: required(g.Arn, `${name} Arn`),
      unique_id: required(g.GroupId, `${name} GroupId`),
      path: g.Path ?? '/',
      members: sorted(pages.flatMap((p) => p.Users ?? []).map((u) => u.UserName)),
      attached_policy_arns: sorted(attached.map((p) => p.PolicyArn)),
      inline_policies: inline,
    } satisfies IamGroupAttributes),
  };
}

export const iamGroup: Provider<'iam.group'> = {
  type: 'iam.group',
  service: 'iam',
  cfnType: 'AWS::IAM::Group',
  global: true,
  operations: ['ListGroups', 'GetGroup', 'ListAttachedGroupPolicies', 'ListGroupPolicies', 'GetGroupPolicy'],
  serverSideTagFilter: false,
  listKeys: INLINE_POLICY_LIST_KEYS,
  tagWrites: { writable: false, why: 'IAM groups cannot be tagged' },
  async *pages(ctx, _filter, ids) {
    if (ids) {
      yield await readAll(ids, (n) => group(ctx, n));
      return;
    }
    const iam = ctx.clients.client('iam');
    for await (const page of paginateListGroups({ client: iam, pageSize: ctx.pageSize }, {})) {
      const names = (page.Groups ?? []).map((g) => required(g.GroupName, 'Group.GroupName'));
      yield await readAll(names, (n) => group(ctx, n));
    }
  },
};
