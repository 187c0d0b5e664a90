import { GetPolicyCommand, GetPolicyVersionCommand, paginateListPolicies } from '@aws-sdk/client-iam';
import type { Resource } from '@elava/types';
import { base, compact, iso, required, tagsOf } from '../normalize.js';
import type { Provider, ScanContext } from '../provider.js';
import { IAM_TAG_WRITES, normalizePolicyDocument, type PolicyDocument, readAll } from './iam-shared.js';

export interface IamPolicyAttributes {
  arn: string;
  unique_id: string;
  path: string;
  description?: string;
  default_version_id: string;
  is_attachable: boolean;
  /** The default version's document, normalised. */
  document: PolicyDocument;
}

/**
 * One customer-managed policy in full. GetPolicy rather than the listing: ListPolicies leaves out
 * tags and the description. AttachmentCount and UpdateDate are left out: they move with every
 * attachment, and a new default version already shows as `default_version_id` and `document`.
 */
async function policy(ctx: ScanContext, arn: string): Promise<Resource<'iam.policy'>> {
  const iam = ctx.clients.client('iam');
  const p = required((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy, `GetPolicy ${arn} Policy`);
  const name = required(p.PolicyName, `${arn} PolicyName`);
  const versionId = required(p.DefaultVersionId, `${arn} DefaultVersionId`);
  const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId }));
  return {
    ...base(ctx, 'iam.policy', name, tagsOf(p.Tags), name),
    status: 'active',
    created_at: iso(p.CreateDate),
    attributes: compact({
      arn: required(p.Arn, `${arn} Arn`),
      unique_id: required(p.PolicyId, `${arn} PolicyId`),
      path: p.Path ?? '/',
      description: p.Description || undefined,
      default_version_id: versionId,
      is_attachable: p.IsAttachable !== false,
      document: normalizePolicyDocument(required(version.PolicyVersion?.Document, `${arn} ${versionId} Document`)),
    } satisfies IamPolicyAttributes),
  };
}

/**
 * Customer-managed policies only (Scope=Local): AWS-managed ones belong to no account. The native
 * id is the name, unique in the account whatever the path; the path is not known beforehand, so
 * ids are found by listing.
 */
export const iamPolicy: Provider<'iam.policy'> = {
  type: 'iam.policy',
  service: 'iam',
  cfnType: 'AWS::IAM::ManagedPolicy',
  global: true,
  operations: ['ListPolicies', 'GetPolicy', 'GetPolicyVersion'],
  serverSideTagFilter: false,
  listKeys: { 'attributes.document.statements': 'sid' },
  tagWrites: IAM_TAG_WRITES.policy,
  async *pages(ctx, _filter, ids) {
    const wanted = ids ? new Set(ids) : undefined;
    const iam = ctx.clients.client('iam');
    for await (const page of paginateListPolicies({ client: iam, pageSize: ctx.pageSize }, { Scope: 'Local' })) {
      const arns = (page.Policies ?? [])
        .filter((p) => !wanted || wanted.has(required(p.PolicyName, 'Policy.PolicyName')))
        .map((p) => required(p.Arn, 'Policy.Arn'));
      yield await readAll(arns, (arn) => policy(ctx, arn));
    }
  },
};
