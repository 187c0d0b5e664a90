import { paginateDescribeVpcEndpoints } from '@aws-sdk/client-ec2';
import { base, byKey, compact, iso, MalformedResponseError, required, sorted, tagsOf } from '../normalize.js';
import { arnOf, ec2TagFilters, isNotFound, type Provider } from '../provider.js';
import { EC2_TAG_WRITES } from '../tag-writes.js';

/** One policy statement with a stable shape: every list an array, sorted; principals as `Type:value`. */
export interface PolicyStatement {
  sid?: string;
  effect: string;
  principal?: string[];
  not_principal?: string[];
  action?: string[];
  not_action?: string[];
  resource?: string[];
  not_resource?: string[];
  /** Operator → condition key → values, sorted. */
  condition?: Record<string, Record<string, string[]>>;
}

export interface Ec2VpcEndpointAttributes {
  arn: string;
  /** Gateway, Interface, GatewayLoadBalancer, Resource, ServiceNetwork. */
  vpc_endpoint_type: string;
  service_name?: string;
  vpc_id: string;
  state: string;
  subnet_ids: string[];
  route_table_ids: string[];
  security_group_ids: string[];
  private_dns_enabled: boolean;
  /** Absent when the endpoint type takes no policy. */
  policy?: { version?: string; statements: PolicyStatement[] };
}

const list = (v: unknown): string[] => sorted((Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String));

function principals(p: unknown): string[] | undefined {
  if (p === undefined) return undefined;
  if (typeof p === 'string') return [p];
  return sorted(
    Object.entries(p as Record<string, unknown>).flatMap(([type, v]) => list(v).map((x) => `${type}:${x}`)),
  );
}

function conditions(c: unknown): PolicyStatement['condition'] {
  if (c === undefined) return undefined;
  const out: Record<string, Record<string, string[]>> = {};
  for (const [op, keys] of Object.entries(c as Record<string, Record<string, unknown>>))
    out[op] = Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, list(v)]));
  return out;
}

/** A policy document as statements in a stable order, so that re-serialising it is no change. */
export function normalisePolicy(id: string, document: string | undefined): Ec2VpcEndpointAttributes['policy'] {
  if (!document) return undefined;
  let doc: { Version?: string; Statement?: unknown };
  try {
    doc = JSON.parse(document);
  } catch {
    throw new MalformedResponseError(`${id} PolicyDocument as JSON`);
  }
  const raw = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  const statements = (raw as Record<string, unknown>[]).map((s) =>
    compact({
      sid: typeof s.Sid === 'string' && s.Sid !== '' ? s.Sid : undefined,
      effect: required(s.Effect as string | undefined, `${id} policy Effect`),
      principal: principals(s.Principal),
      not_principal: principals(s.NotPrincipal),
      action: s.Action === undefined ? undefined : list(s.Action),
      not_action: s.NotAction === undefined ? undefined : list(s.NotAction),
      resource: s.Resource === undefined ? undefined : list(s.Resource),
      not_resource: s.NotResource === undefined ? undefined : list(s.NotResource),
      condition: conditions(s.Condition),
    }),
  );
  return compact({ version: doc.Version, statements: byKey(statements, (s) => JSON.stringify(s)) });
}

/**
 * The policy's statements carry no list key: endpoint policies seldom name them (Sid), so a
 * statement's whole content is its identity. DNS entries are left out: they follow from the rest.
 * Asked by id through VpcEndpointIds: moto (5.2) has no `vpc-endpoint-id` filter (it answers 500).
 */
export const ec2VpcEndpoint: Provider<'ec2.vpc_endpoint'> = {
  type: 'ec2.vpc_endpoint',
  service: 'ec2',
  cfnType: 'AWS::EC2::VPCEndpoint',
  tagWrites: EC2_TAG_WRITES,
  operations: ['DescribeVpcEndpoints'],
  serverSideTagFilter: true,
  async *pages(ctx, filter, ids) {
    // AWS fails the whole call when one of the ids does not exist: then one call per id.
    if (ids && ids.length > 1) {
      for (const id of ids) yield* ec2VpcEndpoint.pages(ctx, filter, [id]);
      return;
    }
    try {
      for await (const page of paginateDescribeVpcEndpoints(
        { client: ctx.clients.ec2, pageSize: ids ? undefined : ctx.pageSize },
        { Filters: ec2TagFilters(filter), ...(ids ? { VpcEndpointIds: [...ids] } : {}) },
      )) {
        yield (page.VpcEndpoints ?? []).map((e) => {
          const id = required(e.VpcEndpointId, 'VpcEndpoint.VpcEndpointId');
          const state = (e.State ?? 'unknown').toLowerCase();
          return {
            ...base(ctx, 'ec2.vpc_endpoint', id, tagsOf(e.Tags)),
            status: state,
            created_at: iso(e.CreationTimestamp),
            attributes: compact({
              arn: arnOf(ctx, 'ec2', `vpc-endpoint/${id}`),
              vpc_endpoint_type: required(e.VpcEndpointType, `${id} VpcEndpointType`),
              service_name: e.ServiceName,
              vpc_id: required(e.VpcId, `${id} VpcId`),
              state,
              subnet_ids: sorted(e.SubnetIds),
              route_table_ids: sorted(e.RouteTableIds),
              security_group_ids: sorted(e.Groups?.map((g) => g.GroupId)),
              private_dns_enabled: e.PrivateDnsEnabled === true,
              policy: normalisePolicy(id, e.PolicyDocument),
            }) satisfies Ec2VpcEndpointAttributes,
          };
        });
      }
    } catch (err) {
      if (ids && isNotFound(err)) return;
      throw err;
    }
  },
};
