import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateVolumeCommand,
  DescribeImagesCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateDBInstanceCommand, DeleteDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateBucketCommand, PutBucketAclCommand, PutBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import type { Decision } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { infra, unique } from '../support/infra.js';
import { startPipeline } from '../support/pipeline.js';
import { resetMoto } from '../support/seed.js';
import { useStage, watchStream } from '../support/stage.js';

const ACCOUNT = '123456789012';
const REGION = 'us-west-1';
const TYPES = ['ec2.instance', 'ec2.security_group', 'ec2.volume', 's3.bucket', 'rds.instance'] as const;
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** Scanner → recorder → detector → policy on moto, with the compiled library: the decisions of issue 6. */
describe('decisions end to end on moto', () => {
  const stage = useStage(async () => {
    await resetMoto(infra().moto);
  });

  it('decides exactly what the estate breaks, and one critical alert when the blessed database goes', async () => {
    const ec2 = new EC2Client({ region: REGION, endpoint: infra().moto, credentials });
    const rds = new RDSClient({ region: REGION, endpoint: infra().moto, credentials });
    const s3 = new S3Client({ region: REGION, endpoint: infra().moto, credentials, forcePathStyle: true });
    stage.defer(async () => {
      ec2.destroy();
      rds.destroy();
      s3.destroy();
    });
    const named = (type: string, name: string) =>
      [{ ResourceType: type, Tags: [{ Key: 'Name', Value: name }] }] as never;
    const bucket = unique('public-assets');
    await s3.send(
      new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    await s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: 'public-read' }));
    await s3.send(
      new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: 'Name', Value: 'assets' }] } }),
    );
    const sg = (
      await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: 'ssh',
          Description: 'ssh',
          TagSpecifications: named('security-group', 'ssh'),
        }),
      )
    ).GroupId!;
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: sg,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    const volume = (
      await ec2.send(
        new CreateVolumeCommand({
          AvailabilityZone: `${REGION}a`,
          Size: 20,
          Encrypted: false,
          TagSpecifications: named('volume', 'scratch'),
        }),
      )
    ).VolumeId!;
    const image = (await ec2.send(new DescribeImagesCommand({}))).Images?.[0]?.ImageId;
    const instance = (
      await ec2.send(new RunInstancesCommand({ ImageId: image, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 }))
    ).Instances![0]!.InstanceId!;
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'orders',
        DBInstanceClass: 'db.t3.micro',
        Engine: 'postgres',
        AllocatedStorage: 20,
        MasterUsername: 'admin',
        MasterUserPassword: 'not-a-secret-1',
        StorageEncrypted: true,
        PubliclyAccessible: false,
        Tags: [
          { Key: 'elava:blessed', Value: 'true' },
          { Key: 'Name', Value: 'orders' },
        ],
      }),
    );

    const { scan } = await startPipeline(stage, { account: ACCOUNT, region: REGION, types: TYPES });

    const ours = new Set([bucket, sg, volume, instance, 'orders']);
    const decisions = await watchStream<Decision>(stage, 'ELAVA_DECISIONS', (d) =>
      ours.has(d.resource.id.split(':').slice(4).join(':')),
    );
    const settle = async (count: number) => {
      const deadline = Date.now() + 20_000;
      while (decisions.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 1_500));
    };
    const summary = () =>
      decisions
        .map((d) => `${d.action}/${d.severity} ${d.resource.type} ${d.policy?.package ?? d.change?.type}`)
        .sort();

    await scan('first');
    await settle(5);
    expect(summary()).toEqual(
      [
        'alert/critical s3.bucket elava.security',
        'alert/critical ec2.security_group elava.security',
        'notify/warning ec2.volume elava.security',
        'notify/warning ec2.volume elava.cost',
        'notify/info ec2.instance elava.tags',
      ].sort(),
    );
    expect(decisions.find((d) => d.resource.type === 'ec2.security_group')?.reason).toBe(
      `security group ${sg} is open to 0.0.0.0/0 on port 22`,
    );

    // The blessed database goes: one critical alert, and nothing found before is decided again.
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'orders', SkipFinalSnapshot: true }));
    const before = decisions.length;
    await scan('second');
    await settle(before + 1);
    const after = decisions.slice(before);
    expect(after.map((d) => `${d.action}/${d.severity} ${d.resource.id.split(':')[4]} ${d.change?.type}`)).toEqual([
      'alert/critical orders disappeared',
    ]);
    expect(after[0]?.policy).toEqual({ package: 'elava.lifecycle', rule: 'deny' });
  });
});
