import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeTagsCommand,
  DescribeVpcsCommand,
  ModifyInstanceAttributeCommand,
} from '@aws-sdk/client-ec2';
import {
  AddTagsToResourceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  RemoveTagsFromResourceCommand,
} from '@aws-sdk/client-rds';
import { GetBucketTaggingCommand, PutBucketTaggingCommand } from '@aws-sdk/client-s3';
import { type AccountDirectory, ClientSet, tagsOf } from '@elava/aws';
import { type Decision, parseResourceId, type Tags } from '@elava/types';
import { type ApiCall, type Current, WRITE_OPERATIONS } from './plan.js';

/** The cloud as the executor sees it: the resource as it is now, and the calls that change it. */
export interface Cloud {
  read(d: Decision): Promise<Current>;
  /** Sends one call; the AWS request id of the answer. */
  send(d: Decision, call: ApiCall): Promise<{ requestId?: string }>;
}

/** An AWS error, with the request id AWS gave it (it goes into the `failed` entry). */
export class CallFailedError extends Error {
  constructor(
    readonly call: ApiCall,
    readonly requestId: string | undefined,
    cause: Error,
  ) {
    super(`${call.service}:${call.operation} failed: ${cause.name}: ${cause.message}`);
    this.name = 'CallFailedError';
  }
}

// biome-ignore lint/suspicious/noExplicitAny: each command class takes its own input type
const COMMANDS: Record<string, new (input: any) => any> = {
  CreateTags: CreateTagsCommand,
  DeleteTags: DeleteTagsCommand,
  ModifyInstanceAttribute: ModifyInstanceAttributeCommand,
  AddTagsToResource: AddTagsToResourceCommand,
  RemoveTagsFromResource: RemoveTagsFromResourceCommand,
  ModifyDBInstance: ModifyDBInstanceCommand,
  ModifyDBCluster: ModifyDBClusterCommand,
  PutBucketTagging: PutBucketTaggingCommand,
};

const notFound = (err: unknown) =>
  /NotFound|NoSuchBucket|InvalidInstanceID\.Malformed/.test((err as { name?: string }).name ?? '');

/** AWS through clients that may send only the executor's writes (WRITE_OPERATIONS) besides reads. */
export class AwsCloud implements Cloud {
  private readonly clients = new Map<string, Promise<ClientSet>>();

  constructor(
    private readonly accounts: AccountDirectory,
    private readonly endpoint?: string,
  ) {}

  private async clientsFor(d: Decision): Promise<ClientSet> {
    const key = `${d.resource.account}/${d.resource.region}`;
    let found = this.clients.get(key);
    if (!found) {
      found = this.accounts.access(d.resource.account).then(
        (access) =>
          new ClientSet({
            region: d.resource.region,
            endpoint: this.endpoint,
            credentials: access.credentials,
            writes: WRITE_OPERATIONS,
          }),
      );
      found.catch(() => this.clients.delete(key));
      this.clients.set(key, found);
    }
    return found;
  }

  async read(d: Decision): Promise<Current> {
    const c = await this.clientsFor(d);
    const native = parseResourceId(d.resource.id).nativeId;
    try {
      switch (d.resource.type) {
        case 'ec2.instance': {
          const out = await c.ec2.send(new DescribeInstancesCommand({ InstanceIds: [native] }));
          const i = out.Reservations?.flatMap((r) => r.Instances ?? [])[0];
          if (!i || i.State?.Name === 'terminated') return { exists: false, tags: {} };
          const attr = await c.ec2.send(
            new DescribeInstanceAttributeCommand({ InstanceId: native, Attribute: 'disableApiTermination' }),
          );
          return {
            exists: true,
            tags: tagsOf(i.Tags),
            protected: attr.DisableApiTermination?.Value === true,
            ...(i.VpcId ? { vpcTags: await this.vpcTags(c, i.VpcId) } : {}),
          };
        }
        case 'rds.instance': {
          const out = await c.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: native }));
          const db = out.DBInstances?.[0];
          if (!db) return { exists: false, tags: {} };
          return {
            exists: true,
            tags: tagsOf(db.TagList),
            protected: db.DeletionProtection === true,
            ...(db.DBInstanceArn ? { arn: db.DBInstanceArn } : {}),
            ...(db.DBSubnetGroup?.VpcId ? { vpcTags: await this.vpcTags(c, db.DBSubnetGroup.VpcId) } : {}),
          };
        }
        case 'rds.cluster': {
          const out = await c.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: native }));
          const cl = out.DBClusters?.[0];
          if (!cl) return { exists: false, tags: {} };
          return {
            exists: true,
            tags: tagsOf(cl.TagList),
            protected: cl.DeletionProtection === true,
            ...(cl.DBClusterArn ? { arn: cl.DBClusterArn } : {}),
          };
        }
        case 'rds.snapshot': {
          const out = await c.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: native }));
          const snap = out.DBSnapshots?.[0];
          if (!snap) return { exists: false, tags: {} };
          return {
            exists: true,
            tags: tagsOf(snap.TagList),
            ...(snap.DBSnapshotArn ? { arn: snap.DBSnapshotArn } : {}),
          };
        }
        case 's3.bucket': {
          try {
            const out = await c.s3.send(new GetBucketTaggingCommand({ Bucket: native }));
            return { exists: true, tags: tagsOf(out.TagSet) };
          } catch (err) {
            if ((err as { name?: string }).name === 'NoSuchTagSet') return { exists: true, tags: {} };
            throw err;
          }
        }
        default: {
          // Every other EC2 type: its tags are what the executor may touch.
          const out = await c.ec2.send(
            new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [native] }], MaxResults: 1000 }),
          );
          return { exists: true, tags: tagsOf(out.Tags) };
        }
      }
    } catch (err) {
      if (notFound(err)) return { exists: false, tags: {} };
      throw err;
    }
  }

  private async vpcTags(c: ClientSet, vpcId: string): Promise<Tags> {
    const out = await c.ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
    return tagsOf(out.Vpcs?.[0]?.Tags);
  }

  async send(d: Decision, call: ApiCall): Promise<{ requestId?: string }> {
    const Command = COMMANDS[call.operation];
    if (!Command || !WRITE_OPERATIONS.has(call.operation)) throw new Error(`unknown write ${call.operation}`);
    const c = await this.clientsFor(d);
    const client = call.service === 'ec2' ? c.ec2 : call.service === 'rds' ? c.rds : c.s3;
    try {
      // biome-ignore lint/suspicious/noExplicitAny: the command matches its client by construction (plan.ts)
      const out = await (client as any).send(new Command(call.input));
      return { requestId: out.$metadata?.requestId };
    } catch (err) {
      throw new CallFailedError(
        call,
        (err as { $metadata?: { requestId?: string } }).$metadata?.requestId,
        err as Error,
      );
    }
  }

  destroy(): void {
    for (const c of this.clients.values()) void c.then((x) => x.destroy()).catch(() => {});
  }
}
