import type { ResourceType } from '@elava/types';
import * as catalog from './catalog.js';
import type { Provider } from './provider.js';
import { apigatewayRestApi } from './providers/apigateway-rest-api.js';
import { autoscalingGroup } from './providers/autoscaling-group.js';
import { cloudfrontDistribution } from './providers/cloudfront-distribution.js';
import { cloudtrailTrail } from './providers/cloudtrail-trail.js';
import { dynamodbTable } from './providers/dynamodb-table.js';
import { ec2Eip } from './providers/ec2-eip.js';
import { ec2Instance } from './providers/ec2-instance.js';
import { ec2InternetGateway } from './providers/ec2-internet-gateway.js';
import { ec2KeyPair } from './providers/ec2-key-pair.js';
import { ec2LaunchTemplate } from './providers/ec2-launch-template.js';
import { ec2NatGateway } from './providers/ec2-nat-gateway.js';
import { ec2NetworkAcl } from './providers/ec2-network-acl.js';
import { ec2NetworkInterface } from './providers/ec2-network-interface.js';
import { ec2RouteTable } from './providers/ec2-route-table.js';
import { ec2SecurityGroup } from './providers/ec2-security-group.js';
import { ec2Snapshot } from './providers/ec2-snapshot.js';
import { ec2Subnet } from './providers/ec2-subnet.js';
import { ec2Volume } from './providers/ec2-volume.js';
import { ec2Vpc } from './providers/ec2-vpc.js';
import { ec2VpcEndpoint } from './providers/ec2-vpc-endpoint.js';
import { ecrRepository } from './providers/ecr-repository.js';
import { ecsCluster } from './providers/ecs-cluster.js';
import { ecsService } from './providers/ecs-service.js';
import { efsFileSystem } from './providers/efs-file-system.js';
import { eksCluster } from './providers/eks-cluster.js';
import { elasticacheCluster } from './providers/elasticache-cluster.js';
import { elbv2Listener } from './providers/elbv2-listener.js';
import { elbv2LoadBalancer } from './providers/elbv2-load-balancer.js';
import { elbv2TargetGroup } from './providers/elbv2-target-group.js';
import { iamGroup } from './providers/iam-group.js';
import { iamInstanceProfile } from './providers/iam-instance-profile.js';
import { iamPolicy } from './providers/iam-policy.js';
import { iamRole } from './providers/iam-role.js';
import { iamUser } from './providers/iam-user.js';
import { kmsKey } from './providers/kms-key.js';
import { lambdaFunction } from './providers/lambda-function.js';
import { logsLogGroup } from './providers/logs-log-group.js';
import { rdsCluster } from './providers/rds-cluster.js';
import { rdsInstance } from './providers/rds-instance.js';
import { rdsSnapshot } from './providers/rds-snapshot.js';
import { route53HostedZone } from './providers/route53-hosted-zone.js';
import { s3Bucket } from './providers/s3-bucket.js';
import { secretsmanagerSecret } from './providers/secretsmanager-secret.js';
import { snsTopic } from './providers/sns-topic.js';
import { sqsQueue } from './providers/sqs-queue.js';

/**
 * Every reader, by resource type: the one table the scanner dispatches on, and the source of the
 * generated list of types, IAM policies and OpenAPI enum (`npm run generate`). A new type is its
 * reader module and one line here.
 */
export const PROVIDERS: { [T in ResourceType]: Provider<T> } = {
  'ec2.instance': ec2Instance,
  'ec2.vpc': ec2Vpc,
  'ec2.subnet': ec2Subnet,
  'ec2.route_table': ec2RouteTable,
  'ec2.internet_gateway': ec2InternetGateway,
  'ec2.nat_gateway': ec2NatGateway,
  'ec2.security_group': ec2SecurityGroup,
  'ec2.volume': ec2Volume,
  'ec2.snapshot': ec2Snapshot,
  'ec2.eip': ec2Eip,
  'ec2.network_interface': ec2NetworkInterface,
  'rds.instance': rdsInstance,
  'rds.cluster': rdsCluster,
  'rds.snapshot': rdsSnapshot,
  's3.bucket': s3Bucket,
  'iam.user': iamUser,
  'iam.role': iamRole,
  'iam.group': iamGroup,
  'iam.policy': iamPolicy,
  'iam.instance_profile': iamInstanceProfile,
  'lambda.function': lambdaFunction,
  'sqs.queue': sqsQueue,
  'sns.topic': snsTopic,
  'kms.key': kmsKey,
  'secretsmanager.secret': secretsmanagerSecret,
  'ecr.repository': ecrRepository,
  'elbv2.load_balancer': elbv2LoadBalancer,
  'elbv2.target_group': elbv2TargetGroup,
  'elbv2.listener': elbv2Listener,
  'autoscaling.group': autoscalingGroup,
  'ecs.cluster': ecsCluster,
  'ecs.service': ecsService,
  'eks.cluster': eksCluster,
  'efs.file_system': efsFileSystem,
  'elasticache.cluster': elasticacheCluster,
  'apigateway.rest_api': apigatewayRestApi,
  'dynamodb.table': dynamodbTable,
  'cloudfront.distribution': cloudfrontDistribution,
  'route53.hosted_zone': route53HostedZone,
  'cloudtrail.trail': cloudtrailTrail,
  'logs.log_group': logsLogGroup,
  'ec2.launch_template': ec2LaunchTemplate,
  'ec2.key_pair': ec2KeyPair,
  'ec2.network_acl': ec2NetworkAcl,
  'ec2.vpc_endpoint': ec2VpcEndpoint,
};

export function providerFor<T extends ResourceType>(type: T): Provider<T> {
  return PROVIDERS[type] as Provider<T>;
}

/** Every IAM action Elava's readers need. */
export const readActions = (): string[] => catalog.readActions(PROVIDERS);

/** The executor's writes, by `<service>:<operation>`, with the SDK command of each. */
export const WRITES = catalog.writeOperations(PROVIDERS);

/** The operation names the executor's clients may send besides reads. */
export const WRITE_OPERATIONS: ReadonlySet<string> = new Set([...WRITES.keys()].map((k) => k.split(':')[1] as string));

/** How a type's lists are matched in a diff (the readers' own, as @elava/types has them generated). */
export { listKeysOf } from '@elava/types';
