import { GetInstanceProfileCommand, paginateListInstanceProfiles } from '@aws-sdk/client-iam';
import type { Resource } from '@elava/types';
import { base, iso, required, sorted, tagsOf } from '../normalize.js';
import type { Provider, ScanContext } from '../provider.js';
import { IAM_TAG_WRITES, readAll } from './iam-shared.js';

export interface IamInstanceProfileAttributes {
  arn: string;
  unique_id: string;
  path: string;
  /** The role it hands to instances (IAM allows at most one). */
  role_names: string[];
}

/** One profile in full. GetInstanceProfile rather than the listing: ListInstanceProfiles leaves out tags. */
async function profile(ctx: ScanContext, name: string): Promise<Resource<'iam.instance_profile'>> {
  const iam = ctx.clients.client('iam');
  const p = required(
    (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile,
    `GetInstanceProfile ${name} InstanceProfile`,
  );
  return {
    ...base(ctx, 'iam.instance_profile', name, tagsOf(p.Tags), name),
    status: 'active',
    created_at: iso(p.CreateDate),
    attributes: {
      arn: required(p.Arn, `${name} Arn`),
      unique_id: required(p.InstanceProfileId, `${name} InstanceProfileId`),
      path: p.Path ?? '/',
      role_names: sorted(p.Roles?.map((r) => r.RoleName)),
    } satisfies IamInstanceProfileAttributes,
  };
}

export const iamInstanceProfile: Provider<'iam.instance_profile'> = {
  type: 'iam.instance_profile',
  service: 'iam',
  cfnType: 'AWS::IAM::InstanceProfile',
  global: true,
  operations: ['ListInstanceProfiles', 'GetInstanceProfile'],
  serverSideTagFilter: false,
  tagWrites: IAM_TAG_WRITES.instanceProfile,
  async *pages(ctx, _filter, ids) {
    if (ids) {
      yield await readAll(ids, (n) => profile(ctx, n));
      return;
    }
    const iam = ctx.clients.client('iam');
    for await (const page of paginateListInstanceProfiles({ client: iam, pageSize: ctx.pageSize }, {})) {
      const names = (page.InstanceProfiles ?? []).map((p) =>
        required(p.InstanceProfileName, 'InstanceProfile.InstanceProfileName'),
      );
      yield await readAll(names, (n) => profile(ctx, n));
    }
  },
};
