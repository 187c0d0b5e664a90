import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateNetworkInterfaceCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateSubnetCommand,
  CreateVolumeCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';

/**
 * Writes a small estate into moto (every resource type; a blessed public unencrypted database, an
 * SSH-open group, an unencrypted volume, a public bucket, an idle address): the opposite of Elava's
 * job, so it lives in the demo, apart from the read-only readers. The tests use it too and look for
 * the native ids it returns.
 */
export async function seedRegion(endpoint: string, region: string, opts: { volumes?: number } = {}) {
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const ec2 = new EC2Client({ region, endpoint, credentials });
  const rds = new RDSClient({ region, endpoint, credentials });
  const s3 = new S3Client({ region, endpoint, credentials, forcePathStyle: true });
  const tag = (ResourceType: string, tags: Record<string, string>) => [
    { ResourceType, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
  ];
  try {
    const vpc = (
      await ec2.send(
        new CreateVpcCommand({
          CidrBlock: '10.10.0.0/16',
          TagSpecifications: tag('vpc', { Name: 'app', environment: 'production' }) as never,
        }),
      )
    ).Vpc!;
    const subnet = (
      await ec2.send(
        new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.10.1.0/24', AvailabilityZone: `${region}a` }),
      )
    ).Subnet!;
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId }));
    const rt = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpc.VpcId }))).RouteTable!;
    const sg = (
      await ec2.send(
        new CreateSecurityGroupCommand({ GroupName: 'ssh-open', Description: 'ssh from anywhere', VpcId: vpc.VpcId }),
      )
    ).GroupId!;
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: sg,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 443,
            ToPort: 443,
            IpRanges: [{ CidrIp: '10.0.0.0/8' }, { CidrIp: '0.0.0.0/0', Description: 'web' }],
          },
          { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        ],
      }),
    );
    const image = (await ec2.send(new DescribeImagesCommand({}))).Images?.[0]?.ImageId;
    const instance = (
      await ec2.send(
        new RunInstancesCommand({
          ImageId: image,
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1,
          SubnetId: subnet.SubnetId,
          SecurityGroupIds: [sg],
          TagSpecifications: tag('instance', {
            Name: 'web-1',
            'elava:owner': 'team-web',
            environment: 'production',
          }) as never,
        }),
      )
    ).Instances![0]!;
    const volumes: string[] = [];
    for (let i = 0; i < (opts.volumes ?? 2); i++) {
      const v = await ec2.send(
        new CreateVolumeCommand({
          AvailabilityZone: `${region}a`,
          Size: 8 + i,
          VolumeType: 'gp3',
          Encrypted: i % 2 === 1,
          TagSpecifications: tag('volume', { Name: `data-${i}` }) as never,
        }),
      );
      volumes.push(v.VolumeId!);
    }
    const snapshot = (await ec2.send(new CreateSnapshotCommand({ VolumeId: volumes[0], Description: 'nightly' })))
      .SnapshotId!;
    const eip = (await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId!;
    await ec2.send(new AssociateAddressCommand({ AllocationId: eip, InstanceId: instance.InstanceId }));
    const spareEip = (await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId!;
    const natEip = (await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId!;
    const nat = (await ec2.send(new CreateNatGatewayCommand({ SubnetId: subnet.SubnetId, AllocationId: natEip })))
      .NatGateway!;
    const eni = (
      await ec2.send(
        new CreateNetworkInterfaceCommand({ SubnetId: subnet.SubnetId, Groups: [sg], Description: 'spare' }),
      )
    ).NetworkInterface!;

    const db = `orders-${region}`;
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: db,
        DBInstanceClass: 'db.t3.medium',
        Engine: 'postgres',
        AllocatedStorage: 20,
        MasterUsername: 'admin',
        MasterUserPassword: 'password123',
        StorageEncrypted: false,
        PubliclyAccessible: true,
        Tags: [
          { Key: 'elava:blessed', Value: 'true' },
          { Key: 'environment', Value: 'production' },
        ],
      }),
    );
    const cluster = `ledger-${region}`;
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: cluster,
        Engine: 'aurora-postgresql',
        MasterUsername: 'admin',
        MasterUserPassword: 'password123',
        StorageEncrypted: true,
        Tags: [{ Key: 'team', Value: 'finance' }],
      }),
    );
    const dbSnapshot = `${db}-manual`;
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: db, DBSnapshotIdentifier: dbSnapshot }));

    const bucket = `elava-${region}-logs`;
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(region === 'us-east-1'
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    );
    await s3.send(
      new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: 'elava:owner', Value: 'sre' }] } }),
    );
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
    );
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
    const openBucket = `elava-${region}-open`;
    await s3.send(
      new CreateBucketCommand({
        Bucket: openBucket,
        ACL: 'public-read',
        ...(region === 'us-east-1'
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    );
    return {
      vpc: vpc.VpcId!,
      subnet: subnet.SubnetId!,
      igw: igw.InternetGatewayId!,
      routeTable: rt.RouteTableId!,
      sg,
      instance: instance.InstanceId!,
      volumes,
      snapshot,
      eip,
      spareEip,
      nat: nat.NatGatewayId!,
      eni: eni.NetworkInterfaceId!,
      db,
      cluster,
      dbSnapshot,
      bucket,
      openBucket,
    };
  } finally {
    ec2.destroy();
    rds.destroy();
    s3.destroy();
  }
}
