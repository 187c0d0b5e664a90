import {
  DescribeRepositoriesCommand,
  GetLifecyclePolicyCommand,
  GetRepositoryPolicyCommand,
  ListTagsForResourceCommand,
  paginateDescribeRepositories,
  type Repository,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-ecr';
import type { Resource } from '@elava/types';
import { base, byKey, compact, iso, MalformedResponseError, required, tagsOf } from '../normalize.js';
import { isNotFound, type Provider, type ScanContext } from '../provider.js';
import { tagResourceWrites } from '../tag-writes.js';
import {
  orNone,
  POLICY_LIST_KEYS,
  type PolicyDocument,
  parseJson,
  readEach,
  resourcePolicy,
} from './resource-policy.js';

/** One rule of the lifecycle policy, as written (selection and action are ECR's own objects). */
export interface EcrLifecycleRule {
  priority: number;
  description?: string;
  selection: Record<string, unknown>;
  action: Record<string, unknown>;
}

export interface EcrRepositoryAttributes {
  arn: string;
  uri: string;
  registry_id: string;
  image_tag_mutability: string;
  scan_on_push: boolean;
  encryption: { type: string; kms_key?: string };
  /** Absent: no lifecycle policy, so images are kept (and paid for) forever. */
  lifecycle_rules?: EcrLifecycleRule[];
  policy?: PolicyDocument;
}

function lifecycleRules(text: string | undefined, name: string): EcrLifecycleRule[] | undefined {
  const doc = parseJson(text, `${name} lifecycle policy`);
  if (!doc) return undefined;
  if (!Array.isArray(doc.rules)) throw new MalformedResponseError(`${name} lifecycle policy rules`);
  const rules = (doc.rules as Record<string, unknown>[]).map((r) =>
    compact({
      priority: Number(required(r.rulePriority, `${name} lifecycle rule rulePriority`)),
      description: typeof r.description === 'string' && r.description !== '' ? r.description : undefined,
      selection: (r.selection ?? {}) as Record<string, unknown>,
      action: (r.action ?? {}) as Record<string, unknown>,
    }),
  );
  return byKey(rules, (r) => String(r.priority).padStart(10, '0'));
}

/** One repository in full; undefined when it is gone (deleted since it was listed). */
async function repository(ctx: ScanContext, r: Repository): Promise<Resource<'ecr.repository'> | undefined> {
  const ecr = ctx.clients.client('ecr');
  const name = required(r.repositoryName, 'Repository.repositoryName');
  const arn = required(r.repositoryArn, `${name} repositoryArn`);
  try {
    const [tagged, lifecycle, policy] = await Promise.all([
      ecr.send(new ListTagsForResourceCommand({ resourceArn: arn })),
      orNone(
        () => ecr.send(new GetLifecyclePolicyCommand({ repositoryName: name, registryId: r.registryId })),
        ['LifecyclePolicyNotFoundException'],
      ),
      orNone(
        () => ecr.send(new GetRepositoryPolicyCommand({ repositoryName: name, registryId: r.registryId })),
        ['RepositoryPolicyNotFoundException'],
      ),
    ]);
    const attributes = compact({
      arn,
      uri: required(r.repositoryUri, `${name} repositoryUri`),
      registry_id: required(r.registryId, `${name} registryId`),
      image_tag_mutability: r.imageTagMutability ?? 'MUTABLE',
      scan_on_push: r.imageScanningConfiguration?.scanOnPush === true,
      encryption: compact({
        type: r.encryptionConfiguration?.encryptionType ?? 'AES256',
        kms_key: r.encryptionConfiguration?.kmsKey,
      }),
      lifecycle_rules: lifecycleRules(lifecycle?.lifecyclePolicyText, name),
      policy: resourcePolicy(policy?.policyText),
    } satisfies EcrRepositoryAttributes);
    return {
      ...base(ctx, 'ecr.repository', name, tagsOf(tagged.tags), name),
      status: 'active',
      created_at: iso(r.createdAt),
      attributes,
    };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export const ecrRepository: Provider<'ecr.repository'> = {
  type: 'ecr.repository',
  service: 'ecr',
  cfnType: 'AWS::ECR::Repository',
  operations: ['DescribeRepositories', 'GetLifecyclePolicy', 'GetRepositoryPolicy', 'ListTagsForResource'],
  serverSideTagFilter: false,
  listKeys: { ...POLICY_LIST_KEYS, 'attributes.lifecycle_rules': 'priority' },
  tagWrites: tagResourceWrites(
    'ecr',
    { tag: ['TagResource', TagResourceCommand], untag: ['UntagResource', UntagResourceCommand] },
    { arn: 'resourceArn', tags: 'tags', keys: 'tagKeys' },
    'list',
  ),
  async *pages(ctx, _filter, ids) {
    const ecr = ctx.clients.client('ecr');
    if (ids) {
      // One call per name: asked for several, ECR fails the whole call if one is missing.
      const found = await readEach(ids, async (name) => {
        const res = await orNone(
          () => ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] })),
          ['RepositoryNotFoundException'],
        );
        return res?.repositories?.[0];
      });
      yield await readEach(found, (r) => repository(ctx, r));
      return;
    }
    for await (const page of paginateDescribeRepositories({ client: ecr, pageSize: ctx.pageSize }, {})) {
      yield await readEach(page.repositories ?? [], (r) => repository(ctx, r));
    }
  },
};
