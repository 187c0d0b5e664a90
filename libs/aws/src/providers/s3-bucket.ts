import {
  DeleteBucketTaggingCommand,
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyStatusCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  PutBucketTaggingCommand,
  paginateListBuckets,
} from '@aws-sdk/client-s3';
import type { AttributesOf, Resource } from '@elava/types';
import { base, compact, iso, required, tagsOf } from '../normalize.js';
import { isNotFound, type Provider, type ScanContext } from '../provider.js';
import { tagList } from '../tag-writes.js';

const PUBLIC_GRANTEES = new Set([
  'http://acs.amazonaws.com/groups/global/AllUsers',
  'http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
]);

/** "Not configured" is an answer; only these error names mean it. Anything else fails the scan. */
async function orNotConfigured<T>(call: () => Promise<T>, notConfigured: string[]): Promise<T | null> {
  try {
    return await call();
  } catch (err) {
    if (notConfigured.includes((err as Error).name)) return null;
    throw err;
  }
}

/** GetBucketLocation says null for us-east-1 and "EU" for the oldest eu-west-1 buckets. */
export function bucketRegion(constraint: string | undefined | null): string {
  if (!constraint) return 'us-east-1';
  if (constraint === 'EU') return 'eu-west-1';
  return constraint;
}

async function describe(
  ctx: ScanContext,
  bucket: string,
): Promise<{ tags: Record<string, string>; attributes: AttributesOf<'s3.bucket'> }> {
  const s3 = ctx.clients.s3;
  const [tagging, encryption, pab, versioning, policy, acl] = await Promise.all([
    orNotConfigured(
      () => s3.send(new GetBucketTaggingCommand({ Bucket: bucket })),
      ['NoSuchTagSet', 'NoSuchTagSetError'],
    ),
    orNotConfigured(
      () => s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })),
      ['ServerSideEncryptionConfigurationNotFoundError'],
    ),
    orNotConfigured(
      () => s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })),
      ['NoSuchPublicAccessBlockConfiguration'],
    ),
    s3.send(new GetBucketVersioningCommand({ Bucket: bucket })),
    orNotConfigured(() => s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket })), ['NoSuchBucketPolicy']),
    s3.send(new GetBucketAclCommand({ Bucket: bucket })),
  ]);
  const rule = encryption?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
  const block = pab?.PublicAccessBlockConfiguration;
  return {
    tags: tagsOf(tagging?.TagSet),
    attributes: {
      arn: `arn:aws:s3:::${bucket}`,
      encryption: compact({ enabled: Boolean(rule), algorithm: rule?.SSEAlgorithm, kms_key_id: rule?.KMSMasterKeyID }),
      public_access_block: {
        configured: Boolean(block),
        block_public_acls: block?.BlockPublicAcls === true,
        ignore_public_acls: block?.IgnorePublicAcls === true,
        block_public_policy: block?.BlockPublicPolicy === true,
        restrict_public_buckets: block?.RestrictPublicBuckets === true,
      },
      versioning:
        versioning.Status === 'Enabled' ? 'Enabled' : versioning.Status === 'Suspended' ? 'Suspended' : 'Disabled',
      policy: { present: policy !== null, is_public: policy?.PolicyStatus?.IsPublic === true },
      acl_public: (acl.Grants ?? []).some((g) => PUBLIC_GRANTEES.has(g.Grantee?.URI ?? '')),
    },
  };
}

/** One bucket, if it belongs to the scope's region. */
async function bucket(ctx: ScanContext, name: string, created?: Date): Promise<Resource<'s3.bucket'> | undefined> {
  const loc = await ctx.clients.s3.send(new GetBucketLocationCommand({ Bucket: name }));
  if (bucketRegion(loc.LocationConstraint) !== ctx.region) return undefined;
  const { tags, attributes } = await describe(ctx, name);
  return { ...base(ctx, 's3.bucket', name, tags, name), status: 'active', created_at: iso(created), attributes };
}

/**
 * Buckets are listed account-wide; each belongs to the scope of its own region, so a scan of
 * region R reports exactly the buckets whose location is R.
 */
export const s3Bucket: Provider<'s3.bucket'> = {
  type: 's3.bucket',
  service: 's3',
  cfnType: 'AWS::S3::Bucket',
  tagWrites: {
    writable: true,
    commands: { PutBucketTagging: PutBucketTaggingCommand, DeleteBucketTagging: DeleteBucketTaggingCommand },
    // S3 replaces the whole tag set: the one read just now, with the changes applied.
    calls(t, set, remove) {
      if (Object.keys(set).length === 0 && Object.keys(remove).length === 0) return [];
      const next = { ...t.tags, ...set };
      for (const k of Object.keys(remove)) delete next[k];
      if (Object.keys(next).length === 0)
        return [{ service: 's3', operation: 'DeleteBucketTagging', input: { Bucket: t.nativeId } }];
      return [
        {
          service: 's3',
          operation: 'PutBucketTagging',
          input: { Bucket: t.nativeId, Tagging: { TagSet: tagList(next) } },
        },
      ];
    },
  },
  operations: [
    'ListBuckets',
    'GetBucketLocation',
    'GetBucketTagging',
    'GetBucketEncryption',
    'GetPublicAccessBlock',
    'GetBucketVersioning',
    'GetBucketPolicyStatus',
    'GetBucketAcl',
  ],
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    // Asked by name (a read before a write, an event's re-read): still listed, so that the
    // creation date is the one a sweep records; a bucket that is gone is simply absent.
    const wanted = ids ? new Set(ids) : undefined;
    for await (const page of paginateListBuckets({ client: ctx.clients.s3, pageSize: ctx.pageSize }, {})) {
      const out: Resource<'s3.bucket'>[] = [];
      for (const b of page.Buckets ?? []) {
        const name = required(b.Name, 'Bucket.Name');
        if (wanted && !wanted.has(name)) continue;
        const r = await bucket(ctx, name, b.CreationDate).catch((err) => {
          if (wanted && isNotFound(err)) return undefined;
          throw err;
        });
        if (r) out.push(r);
      }
      yield out;
    }
  },
};
