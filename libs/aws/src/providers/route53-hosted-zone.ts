import {
  ChangeTagsForResourceCommand,
  GetDNSSECCommand,
  GetHostedZoneCommand,
  type HostedZone,
  ListTagsForResourceCommand,
  paginateListHostedZones,
  type VPC,
} from '@aws-sdk/client-route-53';
import type { Resource } from '@elava/types';
import { base, byKey, compact, required, tagsOf } from '../normalize.js';
import { isNotFound, type Provider, type ScanContext } from '../provider.js';
import { tagList } from '../tag-writes.js';

export interface Route53HostedZoneAttributes {
  arn: string;
  /** The domain, as Route 53 spells it: with the trailing dot. */
  zone_name: string;
  private_zone: boolean;
  comment?: string;
  /** Private zones: the VPCs that resolve it. */
  vpcs: { vpc_id: string; region: string }[];
  /** Public zones: DNSSEC signing status (NOT_SIGNING, SIGNING, ...). Private zones cannot sign. */
  dnssec_status?: string;
}

/** `/hostedzone/Z123` → `Z123`: the API answers with the path, and takes either. */
export const zoneId = (id: string) => id.replace(/^\/hostedzone\//, '');

async function zone(
  ctx: ScanContext,
  z: HostedZone,
  vpcs: VPC[] | undefined,
): Promise<Resource<'route53.hosted_zone'>> {
  const r53 = ctx.clients.client('route53');
  const id = zoneId(required(z.Id, 'HostedZone.Id'));
  const name = required(z.Name, `${id} Name`);
  const isPrivate = z.Config?.PrivateZone === true;
  // The list does not carry the VPCs; only a private zone has any.
  const associated =
    vpcs ?? (isPrivate ? (await r53.send(new GetHostedZoneCommand({ Id: id }))).VPCs : undefined) ?? [];
  const [tagged, dnssec] = await Promise.all([
    r53.send(new ListTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: id })),
    isPrivate ? undefined : r53.send(new GetDNSSECCommand({ HostedZoneId: id })),
  ]);
  const attributes = compact({
    arn: `arn:aws:route53:::hostedzone/${id}`,
    zone_name: name,
    private_zone: isPrivate,
    comment: z.Config?.Comment || undefined,
    vpcs: byKey(
      associated.map((v) => ({
        vpc_id: required(v.VPCId, `${id} VPCId`),
        region: required(v.VPCRegion, `${id} VPCRegion`),
      })),
      (v) => `${v.vpc_id}@${v.region}`,
    ),
    dnssec_status: dnssec?.Status?.ServeSignature,
  }) satisfies Route53HostedZoneAttributes;
  return {
    ...base(ctx, 'route53.hosted_zone', id, tagsOf(tagged.ResourceTagSet?.Tags), name),
    status: 'active',
    attributes,
  };
}

/** Asked by id: GetHostedZone answers with the zone and its VPCs; a zone that is not there is absent. */
async function byId(ctx: ScanContext, id: string): Promise<Resource<'route53.hosted_zone'> | undefined> {
  try {
    const got = await ctx.clients.client('route53').send(new GetHostedZoneCommand({ Id: zoneId(id) }));
    return await zone(ctx, required(got.HostedZone, `${id} HostedZone`), got.VPCs ?? []);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Global: read once per account. The native id is the zone id without its `/hostedzone/` path.
 * The record set count is left out: it moves with every record, which is not a change of the zone.
 */
export const route53HostedZone: Provider<'route53.hosted_zone'> = {
  type: 'route53.hosted_zone',
  service: 'route53',
  cfnType: 'AWS::Route53::HostedZone',
  global: true,
  listKeys: { 'attributes.vpcs': 'vpc_id' },
  tagWrites: {
    writable: true,
    commands: { ChangeTagsForResource: ChangeTagsForResourceCommand },
    // One call both adds and removes.
    calls(t, set, remove) {
      if (Object.keys(set).length === 0 && Object.keys(remove).length === 0) return [];
      return [
        {
          service: 'route53',
          operation: 'ChangeTagsForResource',
          input: compact({
            ResourceType: 'hostedzone',
            ResourceId: zoneId(t.nativeId),
            AddTags: Object.keys(set).length ? tagList(set) : undefined,
            RemoveTagKeys: Object.keys(remove).length ? Object.keys(remove) : undefined,
          }),
        },
      ];
    },
  },
  operations: ['ListHostedZones', 'GetHostedZone', 'GetDNSSEC', 'ListTagsForResource'],
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    if (ids) {
      const out: Resource<'route53.hosted_zone'>[] = [];
      for (const id of ids) {
        const r = await byId(ctx, id);
        if (r) out.push(r);
      }
      yield out;
      return;
    }
    for await (const page of paginateListHostedZones(
      { client: ctx.clients.client('route53'), pageSize: ctx.pageSize },
      {},
    )) {
      const out: Resource<'route53.hosted_zone'>[] = [];
      for (const z of page.HostedZones ?? []) {
        // Deleted since it was listed: gone, which the next scan would say anyway.
        const r = await zone(ctx, z, undefined).catch((err) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
        if (r) out.push(r);
      }
      yield out;
    }
  },
};
