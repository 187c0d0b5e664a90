import { createHash } from 'node:crypto';
import {
  type FunctionConfiguration,
  GetFunctionConfigurationCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  ListTagsCommand,
  paginateListFunctions,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-lambda';
import type { Resource } from '@elava/types';
import { base, compact, required, sorted, tagsOf } from '../normalize.js';
import { isNotFound, type Provider, type ScanContext } from '../provider.js';
import { tagList, tagResourceWrites } from '../tag-writes.js';
import { orNone, POLICY_LIST_KEYS, type PolicyDocument, readEach, resourcePolicy } from './resource-policy.js';

export interface LambdaFunctionUrl {
  url: string;
  /** `NONE` is a public endpoint; `AWS_IAM` needs signed requests. */
  auth_type: string;
  invoke_mode?: string;
  cors?: {
    allow_credentials?: boolean;
    allow_headers: string[];
    allow_methods: string[];
    allow_origins: string[];
    expose_headers: string[];
    max_age?: number;
  };
}

export interface LambdaFunctionAttributes {
  arn: string;
  /** Absent for container images. */
  runtime?: string;
  handler?: string;
  role: string;
  package_type: string;
  memory_mb: number;
  timeout_seconds: number;
  architectures: string[];
  ephemeral_storage_mb?: number;
  /** The code's own hash: the change signal for a deploy (LastModified and RevisionId are left out). */
  code_sha256: string;
  code_size_bytes?: number;
  description?: string;
  kms_key_arn?: string;
  tracing_mode?: string;
  dead_letter_target_arn?: string;
  /** Names and a hash of the values: a value changes the hash, and no value is ever recorded. */
  environment?: { names: string[]; values_sha256: string };
  /** Layer version ARNs. */
  layers: string[];
  vpc?: { vpc_id?: string; subnet_ids: string[]; security_group_ids: string[] };
  function_url?: LambdaFunctionUrl;
  policy?: PolicyDocument;
}

/** sha256 of the sorted [name, value] pairs as JSON: unambiguous whatever the values contain. */
function environment(vars: Record<string, string> | undefined): LambdaFunctionAttributes['environment'] {
  const names = Object.keys(vars ?? {}).sort();
  if (names.length === 0) return undefined;
  const pairs = names.map((n) => [n, vars?.[n] ?? '']);
  return { names, values_sha256: createHash('sha256').update(JSON.stringify(pairs)).digest('hex') };
}

async function functionUrl(ctx: ScanContext, name: string): Promise<LambdaFunctionUrl | undefined> {
  const u = await orNone(
    () => ctx.clients.client('lambda').send(new GetFunctionUrlConfigCommand({ FunctionName: name })),
    ['ResourceNotFoundException'],
  );
  if (!u) return undefined;
  const c = u.Cors;
  return compact({
    url: required(u.FunctionUrl, `${name} FunctionUrl`),
    auth_type: required(u.AuthType, `${name} FunctionUrl AuthType`),
    invoke_mode: u.InvokeMode,
    cors:
      c &&
      compact({
        allow_credentials: c.AllowCredentials,
        allow_headers: sorted(c.AllowHeaders),
        allow_methods: sorted(c.AllowMethods),
        allow_origins: sorted(c.AllowOrigins),
        expose_headers: sorted(c.ExposeHeaders),
        max_age: c.MaxAge,
      }),
  });
}

/**
 * One function in full, from the configuration ListFunctions gives (GetFunctionConfiguration's
 * extra state fields are not used, so both paths read alike); undefined when it is gone.
 */
async function fn(ctx: ScanContext, f: FunctionConfiguration): Promise<Resource<'lambda.function'> | undefined> {
  const lambda = ctx.clients.client('lambda');
  const name = required(f.FunctionName, 'FunctionConfiguration.FunctionName');
  const arn = required(f.FunctionArn, `${name} FunctionArn`);
  try {
    const [tagged, url, policy] = await Promise.all([
      lambda.send(new ListTagsCommand({ Resource: arn })),
      functionUrl(ctx, name),
      orNone(() => lambda.send(new GetPolicyCommand({ FunctionName: name })), ['ResourceNotFoundException']),
    ]);
    const vpc = f.VpcConfig;
    const attributes = compact({
      arn,
      runtime: f.Runtime,
      handler: f.Handler,
      role: required(f.Role, `${name} Role`),
      package_type: f.PackageType ?? 'Zip',
      memory_mb: required(f.MemorySize, `${name} MemorySize`),
      timeout_seconds: required(f.Timeout, `${name} Timeout`),
      architectures: sorted(f.Architectures ?? ['x86_64']),
      ephemeral_storage_mb: f.EphemeralStorage?.Size,
      code_sha256: required(f.CodeSha256, `${name} CodeSha256`),
      code_size_bytes: f.CodeSize,
      description: f.Description || undefined,
      kms_key_arn: f.KMSKeyArn,
      tracing_mode: f.TracingConfig?.Mode,
      dead_letter_target_arn: f.DeadLetterConfig?.TargetArn,
      environment: environment(f.Environment?.Variables),
      layers: sorted(f.Layers?.map((l) => l.Arn)),
      // Functions outside a VPC answer with empty lists and an empty VpcId.
      vpc:
        vpc?.VpcId || vpc?.SubnetIds?.length
          ? compact({
              vpc_id: vpc.VpcId || undefined,
              subnet_ids: sorted(vpc.SubnetIds),
              security_group_ids: sorted(vpc.SecurityGroupIds),
            })
          : undefined,
      function_url: url,
      policy: resourcePolicy(policy?.Policy),
    } satisfies LambdaFunctionAttributes);
    // Lambda has no lifecycle state in a listing and no creation time at all.
    return {
      ...base(ctx, 'lambda.function', name, tagsOf(tagList(tagged.Tags ?? {})), name),
      status: 'active',
      attributes,
    };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export const lambdaFunction: Provider<'lambda.function'> = {
  type: 'lambda.function',
  service: 'lambda',
  cfnType: 'AWS::Lambda::Function',
  operations: ['ListFunctions', 'GetFunctionConfiguration', 'ListTags', 'GetFunctionUrlConfig', 'GetPolicy'],
  serverSideTagFilter: false,
  listKeys: POLICY_LIST_KEYS,
  tagWrites: tagResourceWrites(
    'lambda',
    { tag: ['TagResource', TagResourceCommand], untag: ['UntagResource', UntagResourceCommand] },
    { arn: 'Resource', tags: 'Tags', keys: 'TagKeys' },
    'map',
  ),
  async *pages(ctx, _filter, ids) {
    const lambda = ctx.clients.client('lambda');
    if (ids) {
      const configs = await readEach(ids, (id) =>
        orNone(
          () => lambda.send(new GetFunctionConfigurationCommand({ FunctionName: id })),
          ['ResourceNotFoundException'],
        ),
      );
      // A qualified name ("fn:3") would answer with that version: only $LATEST is the function.
      const wanted = configs.filter(
        (c) => ids.includes(c.FunctionName ?? '') && (c.Version ?? '$LATEST') === '$LATEST',
      );
      yield await readEach(wanted, (c) => fn(ctx, c));
      return;
    }
    for await (const page of paginateListFunctions({ client: lambda, pageSize: ctx.pageSize }, {})) {
      yield await readEach(page.Functions ?? [], (c) => fn(ctx, c));
    }
  },
};
