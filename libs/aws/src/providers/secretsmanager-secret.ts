import {
  DescribeSecretCommand,
  paginateListSecrets,
  type SecretListEntry,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import type { Resource } from '@elava/types';
import { base, compact, iso, required, tagsOf } from '../normalize.js';
import type { Provider, ScanContext } from '../provider.js';
import { tagResourceWrites } from '../tag-writes.js';
import { orNone, readEach } from './resource-policy.js';

/**
 * The secret's metadata and rotation only: GetSecretValue is never called (nor allowed: it is not
 * in `operations`, so not in the IAM policy either). Left out as volatile: LastAccessedDate (moves
 * on every read, to the day), LastChangedDate (moves on every value written, which is the secret's
 * use rather than its configuration; a rotation shows as `last_rotated_date`), NextRotationDate
 * (follows from the last rotation and the rules) and the version ids (new on every value written).
 */
export interface SecretsmanagerSecretAttributes {
  arn: string;
  description?: string;
  /** Absent: encrypted with the account's `aws/secretsmanager` key. */
  kms_key_id?: string;
  rotation_enabled: boolean;
  rotation_lambda_arn?: string;
  rotation_rules?: { automatically_after_days?: number; duration?: string; schedule_expression?: string };
  last_rotated_date?: string;
  /** Set while the secret is scheduled for deletion. */
  deleted_date?: string;
  owning_service?: string;
  primary_region?: string;
}

/** ListSecrets and DescribeSecret answer with the same fields: one shape from either. */
type SecretEntry = Pick<
  SecretListEntry,
  | 'ARN'
  | 'Name'
  | 'Description'
  | 'KmsKeyId'
  | 'RotationEnabled'
  | 'RotationLambdaARN'
  | 'RotationRules'
  | 'LastRotatedDate'
  | 'DeletedDate'
  | 'OwningService'
  | 'PrimaryRegion'
  | 'CreatedDate'
  | 'Tags'
>;

function secret(ctx: ScanContext, s: SecretEntry): Resource<'secretsmanager.secret'> {
  const name = required(s.Name, 'Secret.Name');
  const rules = s.RotationRules;
  const attributes = compact({
    arn: required(s.ARN, `${name} ARN`),
    description: s.Description || undefined,
    kms_key_id: s.KmsKeyId,
    rotation_enabled: s.RotationEnabled === true,
    rotation_lambda_arn: s.RotationLambdaARN || undefined,
    rotation_rules:
      rules &&
      compact({
        automatically_after_days: rules.AutomaticallyAfterDays,
        duration: rules.Duration,
        schedule_expression: rules.ScheduleExpression,
      }),
    last_rotated_date: iso(s.LastRotatedDate),
    deleted_date: iso(s.DeletedDate),
    owning_service: s.OwningService,
    primary_region: s.PrimaryRegion,
  } satisfies SecretsmanagerSecretAttributes);
  return {
    ...base(ctx, 'secretsmanager.secret', name, tagsOf(s.Tags), name),
    status: s.DeletedDate ? 'pending_deletion' : 'active',
    created_at: iso(s.CreatedDate),
    attributes,
  };
}

export const secretsmanagerSecret: Provider<'secretsmanager.secret'> = {
  type: 'secretsmanager.secret',
  service: 'secretsmanager',
  cfnType: 'AWS::SecretsManager::Secret',
  operations: ['ListSecrets', 'DescribeSecret'],
  serverSideTagFilter: false,
  tagWrites: tagResourceWrites(
    'secretsmanager',
    { tag: ['TagResource', TagResourceCommand], untag: ['UntagResource', UntagResourceCommand] },
    { arn: 'SecretId', tags: 'Tags', keys: 'TagKeys' },
    'list',
  ),
  async *pages(ctx, _filter, ids) {
    const sm = ctx.clients.client('secretsmanager');
    if (ids) {
      const found = await readEach(ids, (SecretId) =>
        orNone(() => sm.send(new DescribeSecretCommand({ SecretId })), ['ResourceNotFoundException']),
      );
      // DescribeSecret also takes an ARN: only an answer for the name asked for counts.
      yield found.filter((s) => ids.includes(s.Name ?? '')).map((s) => secret(ctx, s));
      return;
    }
    // Secrets scheduled for deletion too, as DescribeSecret (the read by name) still shows them.
    for await (const page of paginateListSecrets(
      { client: sm, pageSize: ctx.pageSize },
      { IncludePlannedDeletion: true },
    )) {
      yield (page.SecretList ?? []).map((s) => secret(ctx, s));
    }
  },
};
