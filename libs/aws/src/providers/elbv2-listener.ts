import {
  type Action,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  type Listener,
  paginateDescribeListenerCertificates,
  paginateDescribeListeners,
  paginateDescribeLoadBalancers,
  paginateDescribeRules,
  type RuleCondition,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Resource } from '@elava/types';
import { base, byKey, compact, required, sorted } from '../normalize.js';
import type { Provider, ScanContext } from '../provider.js';
import { byIds, ELBV2_TAG_WRITES, elbv2Arn, elbv2NativeId, elbv2Tags, unlessGone } from './elbv2-shared.js';

/**
 * One action, without what must never be recorded: an OIDC action's client secret (only its issuer
 * and client id are kept) and a fixed response's body (content, not configuration that matters).
 */
export interface Elbv2Action {
  type: string;
  order?: number;
  target_group_arn?: string;
  forward?: { target_groups: { arn: string; weight?: number }[]; stickiness_seconds?: number };
  redirect?: { protocol?: string; port?: string; host?: string; path?: string; query?: string; status_code?: string };
  fixed_response?: { status_code?: string; content_type?: string };
  authenticate?: { issuer?: string; user_pool_arn?: string; client_id?: string };
}

export interface Elbv2RuleCondition {
  field: string;
  http_header_name?: string;
  values: string[];
  regex_values?: string[];
}

export interface Elbv2Rule {
  /** The rule's priority, unique within its listener: the list key (a position would shift). */
  priority: string;
  conditions: Elbv2RuleCondition[];
  actions: Elbv2Action[];
}

export interface Elbv2ListenerAttributes {
  arn: string;
  load_balancer_arn: string;
  /**
   * The load balancer's scheme, copied here because a policy sees one resource at a time and a
   * plain-HTTP listener matters most on an internet-facing load balancer. A scheme is fixed when
   * the load balancer is created, so the copy never goes stale.
   */
  load_balancer_scheme?: string;
  protocol?: string;
  port?: number;
  ssl_policy?: string;
  alpn_policy: string[];
  mutual_authentication_mode?: string;
  /** Every certificate ARN, the default one and those added (DescribeListenerCertificates). */
  certificates: string[];
  /** In the order AWS applies them (their `order`): the order is the configuration. */
  default_actions: Elbv2Action[];
  /** The listener's non-default rules (the default rule is `default_actions`). */
  rules: Elbv2Rule[];
}

function action(a: Action): Elbv2Action {
  const fwd = a.ForwardConfig;
  const redirect = a.RedirectConfig;
  const fixed = a.FixedResponseConfig;
  const oidc = a.AuthenticateOidcConfig;
  const cognito = a.AuthenticateCognitoConfig;
  return compact({
    type: required(a.Type, 'Action.Type'),
    order: a.Order,
    target_group_arn: a.TargetGroupArn,
    forward: fwd
      ? compact({
          target_groups: byKey(
            (fwd.TargetGroups ?? []).map((g) =>
              compact({ arn: required(g.TargetGroupArn, 'TargetGroupTuple.TargetGroupArn'), weight: g.Weight }),
            ),
            (g) => g.arn,
          ),
          stickiness_seconds: fwd.TargetGroupStickinessConfig?.Enabled
            ? fwd.TargetGroupStickinessConfig.DurationSeconds
            : undefined,
        })
      : undefined,
    redirect: redirect
      ? compact({
          protocol: redirect.Protocol,
          port: redirect.Port,
          host: redirect.Host,
          path: redirect.Path,
          query: redirect.Query,
          status_code: redirect.StatusCode,
        })
      : undefined,
    fixed_response: fixed ? compact({ status_code: fixed.StatusCode, content_type: fixed.ContentType }) : undefined,
    authenticate:
      oidc || cognito
        ? compact({
            issuer: oidc?.Issuer,
            user_pool_arn: cognito?.UserPoolArn,
            client_id: oidc?.ClientId ?? cognito?.UserPoolClientId,
          })
        : undefined,
  });
}

const actions = (list: Action[] | undefined) =>
  byKey((list ?? []).map(action), (a) => String(a.order ?? 0).padStart(6, '0'));

function condition(c: RuleCondition): Elbv2RuleCondition {
  const values = [
    ...(c.Values ?? []),
    ...(c.HostHeaderConfig?.Values ?? []),
    ...(c.PathPatternConfig?.Values ?? []),
    ...(c.HttpHeaderConfig?.Values ?? []),
    ...(c.HttpRequestMethodConfig?.Values ?? []),
    ...(c.SourceIpConfig?.Values ?? []),
    ...(c.QueryStringConfig?.Values ?? []).map((kv) => `${kv.Key ?? ''}=${kv.Value ?? ''}`),
  ];
  const regex = [
    ...(c.HostHeaderConfig?.RegexValues ?? []),
    ...(c.PathPatternConfig?.RegexValues ?? []),
    ...(c.HttpHeaderConfig?.RegexValues ?? []),
  ];
  return compact({
    field: required(c.Field, 'RuleCondition.Field'),
    http_header_name: c.HttpHeaderConfig?.HttpHeaderName,
    values: sorted(values),
    regex_values: regex.length ? sorted(regex) : undefined,
  });
}

async function rules(ctx: ScanContext, listenerArn: string): Promise<Elbv2Rule[]> {
  const client = ctx.clients.client('elasticloadbalancing');
  const out: Elbv2Rule[] = [];
  for await (const page of paginateDescribeRules({ client }, { ListenerArn: listenerArn, PageSize: ctx.pageSize })) {
    for (const r of page.Rules ?? []) {
      if (r.IsDefault) continue;
      const conditions = (r.Conditions ?? []).map(condition);
      out.push({
        priority: required(r.Priority, `${listenerArn} Rule.Priority`),
        conditions: byKey(conditions, (c) => JSON.stringify(c)),
        actions: actions(r.Actions),
      });
    }
  }
  // Numerically, as AWS evaluates them (priorities are 1 to 50000).
  return byKey(out, (r) => r.priority.padStart(6, '0'));
}

async function certificates(ctx: ScanContext, l: Listener): Promise<string[]> {
  if (l.Protocol !== 'HTTPS' && l.Protocol !== 'TLS') return sorted(l.Certificates?.map((c) => c.CertificateArn));
  const client = ctx.clients.client('elasticloadbalancing');
  const arns: (string | undefined)[] = [];
  for await (const page of paginateDescribeListenerCertificates(
    { client },
    { ListenerArn: l.ListenerArn, PageSize: ctx.pageSize },
  ))
    arns.push(...(page.Certificates ?? []).map((c) => c.CertificateArn));
  return sorted(arns);
}

async function listenersOf(ctx: ScanContext, lbArn: string): Promise<Listener[]> {
  const client = ctx.clients.client('elasticloadbalancing');
  const found: Listener[] = [];
  for await (const p of paginateDescribeListeners({ client }, { LoadBalancerArn: lbArn, PageSize: ctx.pageSize }))
    found.push(...(p.Listeners ?? []));
  return found;
}

async function normalise(
  ctx: ScanContext,
  listeners: Listener[],
  schemes: Map<string, string | undefined>,
): Promise<Resource<'elbv2.listener'>[]> {
  const arns = listeners.map((l) => required(l.ListenerArn, 'Listener.ListenerArn'));
  const tags = await elbv2Tags(ctx, arns);
  const out: Resource<'elbv2.listener'>[] = [];
  for (const l of listeners) {
    const arn = l.ListenerArn as string;
    const t = tags.get(arn);
    const read = t && (await unlessGone(Promise.all([rules(ctx, arn), certificates(ctx, l)])));
    if (!t || !read) continue; // deleted since it was listed
    const id = elbv2NativeId(arn, 'listener');
    const lbArn = required(l.LoadBalancerArn, `${id} LoadBalancerArn`);
    const attributes: Elbv2ListenerAttributes = {
      arn,
      load_balancer_arn: lbArn,
      load_balancer_scheme: schemes.get(lbArn),
      protocol: l.Protocol,
      port: l.Port,
      ssl_policy: l.SslPolicy,
      alpn_policy: sorted(l.AlpnPolicy),
      mutual_authentication_mode: l.MutualAuthentication?.Mode,
      certificates: read[1],
      default_actions: actions(l.DefaultActions),
      rules: read[0],
    };
    out.push({
      ...base(ctx, 'elbv2.listener', id, t, `${l.Protocol ?? ''}:${l.Port ?? ''}`),
      status: 'active',
      attributes: compact({ ...attributes }),
    });
  }
  return out;
}

export const elbv2Listener: Provider<'elbv2.listener'> = {
  type: 'elbv2.listener',
  service: 'elasticloadbalancing',
  cfnType: 'AWS::ElasticLoadBalancingV2::Listener',
  tagWrites: ELBV2_TAG_WRITES,
  listKeys: { 'attributes.rules': 'priority' },
  operations: [
    'DescribeLoadBalancers',
    'DescribeListeners',
    'DescribeRules',
    'DescribeListenerCertificates',
    'DescribeTags',
  ],
  serverSideTagFilter: false,
  // Listeners are listed load balancer by load balancer: the API has no account-wide listing.
  async *pages(ctx, _filter, ids) {
    const client = ctx.clients.client('elasticloadbalancing');
    if (ids) {
      const listeners = await byIds(ids, async (id) => {
        const res = await client.send(new DescribeListenersCommand({ ListenerArns: [elbv2Arn(ctx, 'listener', id)] }));
        return res.Listeners ?? [];
      });
      const lbArns = sorted(listeners.map((l) => l.LoadBalancerArn));
      const lbs = await byIds(lbArns, async (arn) => {
        const res = await client.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }));
        return res.LoadBalancers ?? [];
      });
      const schemes = new Map(lbs.map((lb) => [lb.LoadBalancerArn ?? '', lb.Scheme]));
      yield await normalise(
        ctx,
        listeners.filter((l) => schemes.has(l.LoadBalancerArn ?? '')),
        schemes,
      );
      return;
    }
    for await (const page of paginateDescribeLoadBalancers({ client }, { PageSize: ctx.pageSize })) {
      const lbs = page.LoadBalancers ?? [];
      const schemes = new Map(lbs.map((lb) => [lb.LoadBalancerArn ?? '', lb.Scheme]));
      const listeners: Listener[] = [];
      for (const lb of lbs) {
        const arn = required(lb.LoadBalancerArn, 'LoadBalancer.LoadBalancerArn');
        const read = await unlessGone(listenersOf(ctx, arn));
        listeners.push(...(read ?? []));
      }
      yield await normalise(ctx, listeners, schemes);
    }
  },
};
