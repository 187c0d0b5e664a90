import {
  DescribeBackupPolicyCommand,
  DescribeFileSystemsCommand,
  DescribeLifecycleConfigurationCommand,
  type FileSystemDescription,
  paginateDescribeFileSystems,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-efs';
import type { Resource } from '@elava/types';
import { base, compact, iso, required, tagsOf } from '../normalize.js';
import { isNotFound, type Provider, type ScanContext } from '../provider.js';
import { tagResourceWrites } from '../tag-writes.js';

/**
 * The file system's configuration. Its size is left out: it moves with every write to the file
 * system and would make a new version on every scan.
 */
export interface EfsFileSystemAttributes {
  arn: string;
  performance_mode: string;
  throughput_mode?: string;
  provisioned_throughput_mibps?: number;
  encrypted: boolean;
  kms_key_id?: string;
  life_cycle_state: string;
  /** Set for a One Zone file system. */
  availability_zone?: string;
  mount_target_count: number;
  replication_overwrite_protection?: string;
  /** When files move between storage classes (`AFTER_30_DAYS`, ...): what the storage costs. */
  lifecycle: { transition_to_ia?: string; transition_to_archive?: string; transition_to_primary?: string };
  automatic_backups: boolean;
}

async function lifecycle(ctx: ScanContext, id: string): Promise<EfsFileSystemAttributes['lifecycle']> {
  const res = await ctx.clients
    .client('elasticfilesystem')
    .send(new DescribeLifecycleConfigurationCommand({ FileSystemId: id }));
  const out: EfsFileSystemAttributes['lifecycle'] = {};
  for (const p of res.LifecyclePolicies ?? []) {
    out.transition_to_ia ??= p.TransitionToIA;
    out.transition_to_archive ??= p.TransitionToArchive;
    out.transition_to_primary ??= p.TransitionToPrimaryStorageClass;
  }
  return compact(out);
}

/** No backup policy (`PolicyNotFound`) is an answer: automatic backups are off. */
async function backups(ctx: ScanContext, id: string): Promise<boolean> {
  try {
    const res = await ctx.clients
      .client('elasticfilesystem')
      .send(new DescribeBackupPolicyCommand({ FileSystemId: id }));
    return res.BackupPolicy?.Status === 'ENABLED';
  } catch (err) {
    if ((err as Error).name === 'PolicyNotFound') return false;
    throw err;
  }
}

/** One file system, or undefined when it was deleted since it was listed. */
async function normalise(ctx: ScanContext, f: FileSystemDescription): Promise<Resource<'efs.file_system'> | undefined> {
  const id = required(f.FileSystemId, 'FileSystem.FileSystemId');
  let extra: [EfsFileSystemAttributes['lifecycle'], boolean];
  try {
    extra = await Promise.all([lifecycle(ctx, id), backups(ctx, id)]);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  const state = required(f.LifeCycleState, `${id} LifeCycleState`);
  const attributes: EfsFileSystemAttributes = {
    arn: required(f.FileSystemArn, `${id} FileSystemArn`),
    performance_mode: required(f.PerformanceMode, `${id} PerformanceMode`),
    throughput_mode: f.ThroughputMode,
    provisioned_throughput_mibps: f.ThroughputMode === 'provisioned' ? f.ProvisionedThroughputInMibps : undefined,
    encrypted: f.Encrypted === true,
    kms_key_id: f.KmsKeyId,
    life_cycle_state: state,
    availability_zone: f.AvailabilityZoneName,
    mount_target_count: f.NumberOfMountTargets ?? 0,
    replication_overwrite_protection: f.FileSystemProtection?.ReplicationOverwriteProtection,
    lifecycle: extra[0],
    automatic_backups: extra[1],
  };
  // The native id is the file system id (`fs-…`), which is what EFS calls take.
  return {
    ...base(ctx, 'efs.file_system', id, tagsOf(f.Tags), f.Name ?? ''),
    status: state,
    created_at: iso(f.CreationTime),
    attributes: compact({ ...attributes }),
  };
}

async function normaliseAll(ctx: ScanContext, list: FileSystemDescription[]) {
  const out: Resource<'efs.file_system'>[] = [];
  for (const f of list) {
    const r = await normalise(ctx, f);
    if (r) out.push(r);
  }
  return out;
}

export const efsFileSystem: Provider<'efs.file_system'> = {
  type: 'efs.file_system',
  service: 'elasticfilesystem',
  cfnType: 'AWS::EFS::FileSystem',
  tagWrites: tagResourceWrites(
    'elasticfilesystem',
    { tag: ['TagResource', TagResourceCommand], untag: ['UntagResource', UntagResourceCommand] },
    { arn: 'ResourceId', tags: 'Tags', keys: 'TagKeys' },
    'list',
    'nativeId',
  ),
  operations: ['DescribeFileSystems', 'DescribeLifecycleConfiguration', 'DescribeBackupPolicy'],
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    const client = ctx.clients.client('elasticfilesystem');
    if (ids) {
      const found: FileSystemDescription[] = [];
      for (const id of ids) {
        try {
          found.push(...((await client.send(new DescribeFileSystemsCommand({ FileSystemId: id }))).FileSystems ?? []));
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      yield await normaliseAll(ctx, found);
      return;
    }
    for await (const page of paginateDescribeFileSystems({ client, pageSize: ctx.pageSize }, {})) {
      yield await normaliseAll(ctx, page.FileSystems ?? []);
    }
  },
};
