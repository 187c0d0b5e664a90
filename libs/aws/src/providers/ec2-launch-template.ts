import { createHash } from 'node:crypto';
import {
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type LaunchTemplate,
  paginateDescribeLaunchTemplates,
  type ResponseLaunchTemplateData,
} from '@aws-sdk/client-ec2';
import type { Resource } from '@elava/types';
import { base, byKey, compact, iso, required, sorted, tagsOf } from '../normalize.js';
import { arnOf, ec2TagFilters, isNotFound, type Provider, type ScanContext } from '../provider.js';
import { EC2_TAG_WRITES } from '../tag-writes.js';

export interface Ec2LaunchTemplateData {
  instance_type?: string;
  image_id?: string;
  key_name?: string;
  /** Of the template and of its network interfaces. */
  security_group_ids: string[];
  security_group_names: string[];
  iam_instance_profile?: string;
  /** User data can hold secrets: only the hash of the decoded script is kept. */
  user_data_sha256?: string;
  /** IMDS: `required` is IMDSv2 only. Absent: the AMI's or account's default applies. */
  metadata_http_tokens?: string;
  metadata_http_endpoint?: string;
  associate_public_ip_address?: boolean;
  ebs_optimized?: boolean;
  block_devices: { device_name: string; volume_type?: string; volume_size_gib?: number; encrypted?: boolean }[];
}

export interface Ec2LaunchTemplateAttributes {
  arn: string;
  launch_template_name: string;
  default_version: number;
  latest_version: number;
  /** The default version's data: what an instance launched from the template gets. */
  default_version_data: Ec2LaunchTemplateData;
}

function data(d: ResponseLaunchTemplateData | undefined): Ec2LaunchTemplateData {
  const nics = d?.NetworkInterfaces ?? [];
  const publicIp = nics.find((n) => n.AssociatePublicIpAddress !== undefined)?.AssociatePublicIpAddress;
  return compact({
    instance_type: d?.InstanceType,
    image_id: d?.ImageId,
    key_name: d?.KeyName,
    security_group_ids: sorted([...(d?.SecurityGroupIds ?? []), ...nics.flatMap((n) => n.Groups ?? [])]),
    security_group_names: sorted(d?.SecurityGroups),
    iam_instance_profile: d?.IamInstanceProfile?.Arn ?? d?.IamInstanceProfile?.Name,
    user_data_sha256: d?.UserData
      ? createHash('sha256').update(Buffer.from(d.UserData, 'base64')).digest('hex')
      : undefined,
    metadata_http_tokens: d?.MetadataOptions?.HttpTokens,
    metadata_http_endpoint: d?.MetadataOptions?.HttpEndpoint,
    associate_public_ip_address: publicIp,
    ebs_optimized: d?.EbsOptimized,
    block_devices: byKey(
      (d?.BlockDeviceMappings ?? []).map((b) =>
        compact({
          device_name: required(b.DeviceName, 'BlockDeviceMapping.DeviceName'),
          volume_type: b.Ebs?.VolumeType,
          volume_size_gib: b.Ebs?.VolumeSize,
          encrypted: b.Ebs?.Encrypted,
        }),
      ),
      (b) => b.device_name,
    ),
  });
}

async function template(ctx: ScanContext, t: LaunchTemplate): Promise<Resource<'ec2.launch_template'>> {
  const id = required(t.LaunchTemplateId, 'LaunchTemplate.LaunchTemplateId');
  const name = required(t.LaunchTemplateName, `${id} LaunchTemplateName`);
  const versions = await ctx.clients.ec2.send(
    new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: ['$Default'] }),
  );
  const attributes = {
    arn: arnOf(ctx, 'ec2', `launch-template/${id}`),
    launch_template_name: name,
    default_version: required(t.DefaultVersionNumber, `${id} DefaultVersionNumber`),
    latest_version: required(t.LatestVersionNumber, `${id} LatestVersionNumber`),
    default_version_data: data(versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData),
  } satisfies Ec2LaunchTemplateAttributes;
  return {
    ...base(ctx, 'ec2.launch_template', id, tagsOf(t.Tags), name),
    status: 'active',
    created_at: iso(t.CreateTime),
    attributes,
  };
}

async function templates(ctx: ScanContext, list: LaunchTemplate[]) {
  const out: Resource<'ec2.launch_template'>[] = [];
  for (const t of list) {
    // Deleted since it was listed: gone.
    const r = await template(ctx, t).catch((err) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (r) out.push(r);
  }
  return out;
}

/**
 * DescribeLaunchTemplates has no `launch-template-id` filter (only create-time, name and tags): ids
 * go in LaunchTemplateIds, one call each, since one that does not exist fails the whole call.
 */
export const ec2LaunchTemplate: Provider<'ec2.launch_template'> = {
  type: 'ec2.launch_template',
  service: 'ec2',
  cfnType: 'AWS::EC2::LaunchTemplate',
  tagWrites: EC2_TAG_WRITES,
  listKeys: { 'attributes.default_version_data.block_devices': 'device_name' },
  operations: ['DescribeLaunchTemplates', 'DescribeLaunchTemplateVersions'],
  serverSideTagFilter: true,
  async *pages(ctx, filter, ids) {
    if (ids) {
      const found: LaunchTemplate[] = [];
      for (const id of ids) {
        try {
          const out = await ctx.clients.ec2.send(
            new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id], Filters: ec2TagFilters(filter) }),
          );
          found.push(...(out.LaunchTemplates ?? []).filter((t) => t.LaunchTemplateId === id));
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      yield await templates(ctx, found);
      return;
    }
    for await (const page of paginateDescribeLaunchTemplates(
      { client: ctx.clients.ec2, pageSize: ctx.pageSize },
      { Filters: ec2TagFilters(filter) },
    ))
      yield await templates(ctx, page.LaunchTemplates ?? []);
  },
};
