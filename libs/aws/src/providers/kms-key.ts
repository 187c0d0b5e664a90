import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  type KeyMetadata,
  paginateListAliases,
  paginateListKeys,
  paginateListResourceTags,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-kms';
import type { Resource } from '@elava/types';
import { base, compact, iso, required, sorted, tagsOf } from '../normalize.js';
import { isNotFound, type Provider, type ScanContext } from '../provider.js';
import { tagResourceWrites } from '../tag-writes.js';
import { collect } from './iam-shared.js';
import { orNone, POLICY_LIST_KEYS, type PolicyDocument, readEach, resourcePolicy } from './resource-policy.js';

export interface KmsKeyAttributes {
  arn: string;
  description?: string;
  key_state: string;
  enabled: boolean;
  /** AWS always says; moto leaves it out of DescribeKey unless it was given at creation. */
  key_usage?: string;
  key_spec: string;
  origin: string;
  multi_region: boolean;
  /** Only where AWS can rotate the key (symmetric, key material from KMS); absent elsewhere. */
  rotation_enabled?: boolean;
  rotation_period_days?: number;
  /** When a key pending deletion goes. */
  deletion_date?: string;
  /** Alias names (`alias/…`). */
  aliases: string[];
  /** The `default` key policy, the only one KMS has. */
  policy?: PolicyDocument;
}

/** `PendingDeletion` → `pending_deletion`. */
const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/** Rotation is not a question for asymmetric, HMAC or imported keys: KMS refuses to answer. */
async function rotation(ctx: ScanContext, m: KeyMetadata, id: string) {
  if (m.KeySpec !== 'SYMMETRIC_DEFAULT' || m.Origin !== 'AWS_KMS') return undefined;
  return orNone(
    () => ctx.clients.client('kms').send(new GetKeyRotationStatusCommand({ KeyId: id })),
    // Keys in a custom key store, and keys in a state where KMS will not say (pending import).
    ['UnsupportedOperationException', 'KMSInvalidStateException'],
  );
}

/** One customer managed key in full; undefined for AWS managed keys and keys that are gone. */
async function key(ctx: ScanContext, keyId: string): Promise<Resource<'kms.key'> | undefined> {
  const kms = ctx.clients.client('kms');
  try {
    const m = required((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata, `${keyId} KeyMetadata`);
    if (m.KeyManager !== 'CUSTOMER') return undefined;
    const id = required(m.KeyId, 'KeyMetadata.KeyId');
    const [rot, policy, aliases, tags] = await Promise.all([
      rotation(ctx, m, id),
      kms.send(new GetKeyPolicyCommand({ KeyId: id, PolicyName: 'default' })),
      collect(paginateListAliases({ client: kms, pageSize: ctx.pageSize }, { KeyId: id }), (p) => p.Aliases),
      collect(paginateListResourceTags({ client: kms, pageSize: ctx.pageSize }, { KeyId: id }), (p) => p.Tags),
    ]);
    const aliasNames = sorted(aliases.map((a) => a.AliasName));
    const state = required(m.KeyState, `${id} KeyState`);
    const attributes = compact({
      arn: required(m.Arn, `${id} Arn`),
      description: m.Description || undefined,
      key_state: state,
      enabled: m.Enabled === true,
      key_usage: m.KeyUsage,
      key_spec: required(m.KeySpec, `${id} KeySpec`),
      origin: m.Origin ?? 'AWS_KMS',
      multi_region: m.MultiRegion === true,
      rotation_enabled: rot?.KeyRotationEnabled,
      rotation_period_days: rot?.KeyRotationEnabled ? rot.RotationPeriodInDays : undefined,
      deletion_date: iso(m.DeletionDate),
      aliases: aliasNames,
      policy: resourcePolicy(policy.Policy),
    } satisfies KmsKeyAttributes);
    const tagMap = tagsOf(tags.map((t) => ({ Key: t.TagKey, Value: t.TagValue })));
    return {
      ...base(ctx, 'kms.key', id, tagMap, aliasNames[0]?.replace(/^alias\//, '') ?? id),
      status: snake(state),
      created_at: iso(m.CreationDate),
      attributes,
    };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export const kmsKey: Provider<'kms.key'> = {
  type: 'kms.key',
  service: 'kms',
  cfnType: 'AWS::KMS::Key',
  operations: ['ListKeys', 'DescribeKey', 'GetKeyRotationStatus', 'GetKeyPolicy', 'ListAliases', 'ListResourceTags'],
  serverSideTagFilter: false,
  listKeys: POLICY_LIST_KEYS,
  tagWrites: tagResourceWrites(
    'kms',
    { tag: ['TagResource', TagResourceCommand], untag: ['UntagResource', UntagResourceCommand] },
    { arn: 'KeyId', tags: 'Tags', keys: 'TagKeys' },
    (tags) => Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
  ),
  async *pages(ctx, _filter, ids) {
    if (ids) {
      // DescribeKey also takes an alias or an ARN: only an answer for the key id asked for counts.
      const found = await readEach(ids, (id) => key(ctx, id));
      yield found.filter((r) => ids.includes(r.native_id));
      return;
    }
    for await (const page of paginateListKeys({ client: ctx.clients.client('kms'), pageSize: ctx.pageSize }, {})) {
      const keyIds = (page.Keys ?? []).map((k) => required(k.KeyId, 'KeyListEntry.KeyId'));
      yield await readEach(keyIds, (id) => key(ctx, id));
    }
  },
};
