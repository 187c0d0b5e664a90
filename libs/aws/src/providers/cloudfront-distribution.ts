import { createHash } from 'node:crypto';
import {
  type Distribution,
  GetDistributionCommand,
  ListTagsForResourceCommand,
  type Origin,
  paginateListDistributions,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudfront';
import type { Resource } from '@elava/types';
import { base, byKey, compact, required, sorted, tagsOf } from '../normalize.js';
import { isNotFound, type Provider, type ScanContext } from '../provider.js';
import { tagList } from '../tag-writes.js';

export interface CloudfrontOrigin {
  id: string;
  domain_name: string;
  origin_path?: string;
  s3_origin_access_identity?: string;
  origin_access_control_id?: string;
  origin_protocol_policy?: string;
  origin_ssl_protocols?: string[];
  /** Custom headers often carry a shared secret for the origin: names, and one hash of the values. */
  custom_header_names: string[];
  custom_headers_sha256?: string;
}

export interface CloudfrontCacheBehavior {
  path_pattern: string;
  /** Behaviours match in this order; kept as a field so that a reorder shows, though the list is sorted. */
  precedence: number;
  target_origin_id: string;
  viewer_protocol_policy: string;
}

export interface CloudfrontDistributionAttributes {
  arn: string;
  domain_name: string;
  aliases: string[];
  enabled: boolean;
  comment?: string;
  price_class?: string;
  http_version?: string;
  ipv6_enabled: boolean;
  default_root_object?: string;
  /** WAF web ACL: a WAFv2 ARN or a classic WAF id; absent when none. */
  web_acl_id?: string;
  origins: CloudfrontOrigin[];
  default_cache_behavior: { target_origin_id: string; viewer_protocol_policy: string; cache_policy_id?: string };
  cache_behaviors: CloudfrontCacheBehavior[];
  viewer_certificate: {
    cloudfront_default_certificate: boolean;
    minimum_protocol_version?: string;
    ssl_support_method?: string;
    acm_certificate_arn?: string;
    iam_certificate_id?: string;
  };
  logging: { enabled: boolean; bucket?: string; prefix?: string; include_cookies?: boolean };
  geo_restriction: { type: string; locations: string[] };
}

function origin(o: Origin): CloudfrontOrigin {
  const id = required(o.Id, 'Origin.Id');
  const headers = byKey(o.CustomHeaders?.Items ?? [], (h) => h.HeaderName ?? '');
  return compact({
    id,
    domain_name: required(o.DomainName, `origin ${id} DomainName`),
    origin_path: o.OriginPath || undefined,
    s3_origin_access_identity: o.S3OriginConfig?.OriginAccessIdentity || undefined,
    origin_access_control_id: o.OriginAccessControlId || undefined,
    origin_protocol_policy: o.CustomOriginConfig?.OriginProtocolPolicy,
    origin_ssl_protocols: o.CustomOriginConfig && sorted(o.CustomOriginConfig.OriginSslProtocols?.Items),
    custom_header_names: sorted(headers.map((h) => h.HeaderName)),
    custom_headers_sha256:
      headers.length > 0
        ? createHash('sha256')
            .update(JSON.stringify(headers.map((h) => [h.HeaderName, h.HeaderValue])))
            .digest('hex')
        : undefined,
  });
}

function normalise(
  ctx: ScanContext,
  d: Distribution,
  tags: Record<string, string>,
): Resource<'cloudfront.distribution'> {
  const id = required(d.Id, 'Distribution.Id');
  const c = required(d.DistributionConfig, `${id} DistributionConfig`);
  const dcb = required(c.DefaultCacheBehavior, `${id} DefaultCacheBehavior`);
  const cert = c.ViewerCertificate;
  const enabled = required(c.Enabled, `${id} Enabled`);
  const attributes = compact({
    arn: required(d.ARN, `${id} ARN`),
    domain_name: required(d.DomainName, `${id} DomainName`),
    aliases: sorted(c.Aliases?.Items),
    enabled,
    comment: c.Comment || undefined,
    price_class: c.PriceClass,
    http_version: c.HttpVersion,
    ipv6_enabled: c.IsIPV6Enabled === true,
    default_root_object: c.DefaultRootObject || undefined,
    web_acl_id: c.WebACLId || undefined,
    origins: byKey((c.Origins?.Items ?? []).map(origin), (o) => o.id),
    default_cache_behavior: compact({
      target_origin_id: required(dcb.TargetOriginId, `${id} default TargetOriginId`),
      viewer_protocol_policy: required(dcb.ViewerProtocolPolicy, `${id} default ViewerProtocolPolicy`),
      cache_policy_id: dcb.CachePolicyId || undefined,
    }),
    cache_behaviors: byKey(
      (c.CacheBehaviors?.Items ?? []).map((b, precedence) => ({
        path_pattern: required(b.PathPattern, `${id} PathPattern`),
        precedence,
        target_origin_id: required(b.TargetOriginId, `${id} TargetOriginId`),
        viewer_protocol_policy: required(b.ViewerProtocolPolicy, `${id} ViewerProtocolPolicy`),
      })),
      (b) => b.path_pattern,
    ),
    viewer_certificate: compact({
      // No viewer certificate at all is the default certificate (*.cloudfront.net), which allows TLSv1.
      cloudfront_default_certificate:
        cert?.CloudFrontDefaultCertificate === true || (!cert?.ACMCertificateArn && !cert?.IAMCertificateId),
      minimum_protocol_version: cert?.MinimumProtocolVersion,
      ssl_support_method: cert?.SSLSupportMethod,
      acm_certificate_arn: cert?.ACMCertificateArn || undefined,
      iam_certificate_id: cert?.IAMCertificateId || undefined,
    }),
    logging: c.Logging?.Enabled
      ? compact({
          enabled: true,
          bucket: c.Logging.Bucket || undefined,
          prefix: c.Logging.Prefix || undefined,
          include_cookies: c.Logging.IncludeCookies === true,
        })
      : { enabled: false },
    geo_restriction: {
      type: c.Restrictions?.GeoRestriction?.RestrictionType ?? 'none',
      locations: sorted(c.Restrictions?.GeoRestriction?.Items),
    },
  }) satisfies CloudfrontDistributionAttributes;
  return {
    ...base(ctx, 'cloudfront.distribution', id, tags, attributes.aliases[0] ?? attributes.domain_name),
    // Enabled or not, rather than the deployment Status: that goes InProgress on every change and
    // back to Deployed minutes later, which would record each change twice with nothing changed.
    status: enabled ? 'enabled' : 'disabled',
    attributes,
  };
}

/** One distribution as it is now, with its tags; undefined when there is no such distribution. */
async function distribution(ctx: ScanContext, id: string): Promise<Resource<'cloudfront.distribution'> | undefined> {
  const cf = ctx.clients.client('cloudfront');
  try {
    const { Distribution: d } = await cf.send(new GetDistributionCommand({ Id: id }));
    const arn = required(d?.ARN, `${id} ARN`);
    const { Tags } = await cf.send(new ListTagsForResourceCommand({ Resource: arn }));
    return normalise(ctx, required(d, `${id} Distribution`), tagsOf(Tags?.Items));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function distributions(ctx: ScanContext, ids: readonly string[]) {
  const out: Resource<'cloudfront.distribution'>[] = [];
  for (const id of ids) {
    const r = await distribution(ctx, id);
    if (r) out.push(r);
  }
  return out;
}

/**
 * Global: read once per account. The list's summaries lack the logging settings and the default
 * root object, so each distribution is read whole with GetDistribution.
 */
export const cloudfrontDistribution: Provider<'cloudfront.distribution'> = {
  type: 'cloudfront.distribution',
  service: 'cloudfront',
  cfnType: 'AWS::CloudFront::Distribution',
  global: true,
  listKeys: { 'attributes.origins': 'id', 'attributes.cache_behaviors': 'path_pattern' },
  tagWrites: {
    writable: true,
    commands: { TagResource: TagResourceCommand, UntagResource: UntagResourceCommand },
    calls(t, set, remove) {
      const calls = [];
      if (Object.keys(set).length)
        calls.push({
          service: 'cloudfront' as const,
          operation: 'TagResource',
          input: { Resource: t.arn, Tags: { Items: tagList(set) } },
        });
      if (Object.keys(remove).length)
        calls.push({
          service: 'cloudfront' as const,
          operation: 'UntagResource',
          input: { Resource: t.arn, TagKeys: { Items: Object.keys(remove) } },
        });
      return calls;
    },
  },
  operations: ['ListDistributions', 'GetDistribution', 'ListTagsForResource'],
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    if (ids) {
      yield await distributions(ctx, ids);
      return;
    }
    for await (const page of paginateListDistributions(
      { client: ctx.clients.client('cloudfront'), pageSize: ctx.pageSize },
      {},
    ))
      yield await distributions(
        ctx,
        (page.DistributionList?.Items ?? []).map((s) => required(s.Id, 'DistributionSummary.Id')),
      );
  },
};
