import {
  GetRestApiCommand,
  paginateGetRestApis,
  type RestApi,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-api-gateway';
import type { Resource } from '@elava/types';
import { base, byKey, compact, iso, MalformedResponseError, required, sorted, tagsOf } from '../normalize.js';
import { isNotFound, type Provider, type ScanContext } from '../provider.js';
import { tagResourceWrites } from '../tag-writes.js';

/** One resource-policy statement, every list an array (sorted) whatever shape the document used. */
export interface ApigatewayPolicyStatement {
  sid?: string;
  effect: string;
  /** `*`, or `<kind>:<id>` (`AWS:arn:aws:iam::123456789012:root`, `Service:…`). */
  principals?: string[];
  not_principals?: string[];
  actions?: string[];
  not_actions?: string[];
  resources?: string[];
  not_resources?: string[];
  /** Operator → key → values. */
  condition?: Record<string, Record<string, string[]>>;
}

export interface ApigatewayRestApiAttributes {
  arn: string;
  description?: string;
  version?: string;
  /** EDGE, REGIONAL or PRIVATE. */
  endpoint_types: string[];
  vpc_endpoint_ids: string[];
  ip_address_type?: string;
  api_key_source?: string;
  disable_execute_api_endpoint: boolean;
  minimum_compression_size?: number;
  binary_media_types: string[];
  security_policy?: string;
  /** The resource policy's statements; absent when the API has no policy. */
  policy_statements?: ApigatewayPolicyStatement[];
}

const list = (v: unknown): string[] => sorted((Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String));

function principals(p: unknown): string[] | undefined {
  if (p === undefined) return undefined;
  if (typeof p === 'string') return [p];
  return sorted(
    Object.entries(p as Record<string, unknown>).flatMap(([kind, ids]) => list(ids).map((id) => `${kind}:${id}`)),
  );
}

function condition(c: unknown): ApigatewayPolicyStatement['condition'] {
  if (c === undefined || c === null || typeof c !== 'object') return undefined;
  const out: Record<string, Record<string, string[]>> = {};
  for (const op of Object.keys(c).sort()) {
    const keys = (c as Record<string, Record<string, unknown>>)[op] ?? {};
    out[op] = {};
    for (const k of Object.keys(keys).sort()) out[op][k] = list(keys[k]);
  }
  return out;
}

/**
 * API Gateway returns the policy as JSON whose quotes are backslash-escaped (`{\"Version\":…`):
 * unescaped as a JSON string first when it does not parse as it is.
 */
export function policyStatements(raw: string, id: string): ApigatewayPolicyStatement[] {
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(raw);
  } catch {
    try {
      doc = JSON.parse(JSON.parse(`"${raw}"`));
    } catch {
      throw new MalformedResponseError(`${id} policy (not JSON)`);
    }
  }
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  const out = statements.map((s: Record<string, unknown>) =>
    compact({
      sid: typeof s.Sid === 'string' && s.Sid !== '' ? s.Sid : undefined,
      effect: String(required(s.Effect, `${id} policy statement Effect`)),
      principals: principals(s.Principal),
      not_principals: principals(s.NotPrincipal),
      actions: s.Action === undefined ? undefined : list(s.Action),
      not_actions: s.NotAction === undefined ? undefined : list(s.NotAction),
      resources: s.Resource === undefined ? undefined : list(s.Resource),
      not_resources: s.NotResource === undefined ? undefined : list(s.NotResource),
      condition: condition(s.Condition),
    }),
  );
  return byKey(out, (s) => JSON.stringify(s));
}

function normalise(ctx: ScanContext, a: RestApi): Resource<'apigateway.rest_api'> {
  const id = required(a.id, 'RestApi.id');
  const attributes: ApigatewayRestApiAttributes = {
    // API Gateway's ARNs have no account: `arn:aws:apigateway:<region>::/restapis/<id>`.
    arn: `arn:aws:apigateway:${ctx.region}::/restapis/${id}`,
    description: a.description || undefined,
    version: a.version,
    endpoint_types: sorted(a.endpointConfiguration?.types),
    vpc_endpoint_ids: sorted(a.endpointConfiguration?.vpcEndpointIds),
    ip_address_type: a.endpointConfiguration?.ipAddressType,
    api_key_source: a.apiKeySource,
    disable_execute_api_endpoint: a.disableExecuteApiEndpoint === true,
    minimum_compression_size: a.minimumCompressionSize,
    binary_media_types: sorted(a.binaryMediaTypes),
    security_policy: a.securityPolicy,
    policy_statements: a.policy ? policyStatements(a.policy, id) : undefined,
  };
  // The native id is the REST API's id: names need not be unique, ids are.
  return {
    ...base(
      ctx,
      'apigateway.rest_api',
      id,
      tagsOf(Object.entries(a.tags ?? {}).map(([Key, Value]) => ({ Key, Value }))),
      a.name ?? id,
    ),
    status: 'active',
    created_at: iso(a.createdDate),
    attributes: compact({ ...attributes }),
  };
}

export const apigatewayRestApi: Provider<'apigateway.rest_api'> = {
  type: 'apigateway.rest_api',
  service: 'apigateway',
  cfnType: 'AWS::ApiGateway::RestApi',
  tagWrites: tagResourceWrites(
    'apigateway',
    { tag: ['TagResource', TagResourceCommand], untag: ['UntagResource', UntagResourceCommand] },
    { arn: 'resourceArn', tags: 'tags', keys: 'tagKeys' },
    'map',
  ),
  operations: ['GetRestApis', 'GetRestApi'],
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    const client = ctx.clients.client('apigateway');
    if (ids) {
      const out: Resource<'apigateway.rest_api'>[] = [];
      for (const restApiId of ids) {
        try {
          out.push(normalise(ctx, await client.send(new GetRestApiCommand({ restApiId }))));
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      yield out;
      return;
    }
    // The tags come with each API in the listing: no call per API.
    for await (const page of paginateGetRestApis({ client, pageSize: ctx.pageSize }, {})) {
      yield (page.items ?? []).map((a) => normalise(ctx, a));
    }
  },
};
