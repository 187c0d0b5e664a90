import type { ResourceType } from '@elava/types';
import type { CloudTrailRecord } from './envelope.js';

/**
 * Which resources an AWS API call touches, for the types Elava reads. One table here rather than a
 * declaration beside each reader: the names come from CloudTrail (event source and event name)
 * and the ids from where CloudTrail puts them (`requestParameters`, `responseElements`), which is
 * the same few shapes across all readers of a service; a reviewer sees every mapping at once.
 */

/** The resources one call touched: ids of one type; `gone` when the call deletes them. */
export interface Touch {
  type: ResourceType;
  ids: string[];
  gone?: boolean;
}

/**
 * A rule reads the touched resources from a record. It answers null when the record lacks what
 * the documented shape always has (then the event is malformed) and [] when what it names is
 * nothing Elava reads (then it counts as unmapped).
 */
type Rule = (ct: CloudTrailRecord) => Touch[] | null;

/** Values at a dotted path; `[]` walks an array (`instancesSet.items[].instanceId`). */
export function valuesAt(root: unknown, path: string): string[] {
  let level: unknown[] = [root];
  for (const part of path.split('.')) {
    const many = part.endsWith('[]');
    const key = many ? part.slice(0, -2) : part;
    const next: unknown[] = [];
    for (const v of level) {
      if (!v || typeof v !== 'object') continue;
      const child = (v as Record<string, unknown>)[key];
      if (many) {
        if (Array.isArray(child)) next.push(...child);
      } else if (child !== undefined && child !== null) next.push(child);
    }
    level = next;
  }
  return [...new Set(level.filter((v): v is string => typeof v === 'string' && v !== ''))];
}

const req = (path: string) => (ct: CloudTrailRecord) => valuesAt(ct.requestParameters, path);
const res = (path: string) => (ct: CloudTrailRecord) => valuesAt(ct.responseElements, path);

/** `type` at the ids `from` reads; the record must name at least one, else it is malformed. */
function ids(type: ResourceType, from: (ct: CloudTrailRecord) => string[], gone = false): Rule {
  return (ct) => {
    const found = from(ct);
    return found.length === 0 ? null : [{ type, ids: found, ...(gone ? { gone } : {}) }];
  };
}

/** Several rules' touches together; malformed only when every one of them found nothing. */
function all(...rules: Rule[]): Rule {
  return (ct) => {
    const out = rules.map((r) => r(ct)).filter((t): t is Touch[] => t !== null);
    return out.length === 0 ? null : out.flat();
  };
}

/** EC2 ids name their kind by prefix: how CreateTags/DeleteTags on any EC2 resource is mapped. */
const EC2_PREFIXES: readonly [string, ResourceType][] = [
  ['i-', 'ec2.instance'],
  ['vpc-', 'ec2.vpc'],
  ['subnet-', 'ec2.subnet'],
  ['rtb-', 'ec2.route_table'],
  ['igw-', 'ec2.internet_gateway'],
  ['nat-', 'ec2.nat_gateway'],
  ['sg-', 'ec2.security_group'],
  ['vol-', 'ec2.volume'],
  ['snap-', 'ec2.snapshot'],
  ['eipalloc-', 'ec2.eip'],
  ['eni-', 'ec2.network_interface'],
  ['lt-', 'ec2.launch_template'],
  ['key-', 'ec2.key_pair'],
  ['acl-', 'ec2.network_acl'],
  ['vpce-', 'ec2.vpc_endpoint'],
];

export function ec2TypeOf(id: string): ResourceType | undefined {
  return EC2_PREFIXES.find(([prefix]) => id.startsWith(prefix))?.[1];
}

/** Any EC2 ids, each to the type its prefix names; ids of kinds Elava does not read are left out. */
function ec2ByPrefix(from: (ct: CloudTrailRecord) => string[]): Rule {
  return (ct) => {
    const found = from(ct);
    if (found.length === 0) return null;
    const byType = new Map<ResourceType, string[]>();
    for (const id of found) {
      const type = ec2TypeOf(id);
      if (type) byType.set(type, [...(byType.get(type) ?? []), id]);
    }
    return [...byType].map(([type, list]) => ({ type, ids: list }));
  };
}

/** A Lambda function's name from a name, a partial ARN or a full one (a qualifier dropped). */
export function lambdaName(nameOrArn: string): string {
  const m = /(?:^|:)function:([^:]+)/.exec(nameOrArn);
  return m?.[1] ?? nameOrArn.split(':')[0] ?? nameOrArn;
}

const lambdaFunction = (gone = false): Rule =>
  ids('lambda.function', (ct) => req('functionName')(ct).map(lambdaName), gone);

/** RDS tags are written by ARN: `arn:aws:rds:<region>:<account>:db|cluster|snapshot:<id>`. */
function rdsByArn(ct: CloudTrailRecord): Touch[] | null {
  const arns = req('resourceName')(ct);
  if (arns.length === 0) return null;
  const kinds: Record<string, ResourceType> = { db: 'rds.instance', cluster: 'rds.cluster', snapshot: 'rds.snapshot' };
  const out: Touch[] = [];
  for (const arn of arns) {
    const m = /^arn:aws[a-z-]*:rds:[^:]*:\d*:(db|cluster|snapshot):(.+)$/.exec(arn);
    const type = m ? kinds[m[1] as string] : undefined;
    if (type && m?.[2]) out.push({ type, ids: [m[2]] });
  }
  return out;
}

/** An IAM policy's name from its ARN (`arn:aws:iam::<account>:policy/<path>/<name>`); AWS-managed ones are not read. */
const customerPolicy = (ct: CloudTrailRecord) =>
  req('policyArn')(ct)
    .filter((arn) => /^arn:aws[a-z-]*:iam::\d{12}:policy\//.test(arn))
    .map((arn) => arn.split('/').pop() as string);

/** The same rule for several event names. */
const each = (names: string[], rule: Rule): Record<string, Rule> => Object.fromEntries(names.map((n) => [n, rule]));

const EC2_INSTANCES_IN_REQUEST = ids('ec2.instance', req('instancesSet.items[].instanceId'));

/** eventSource → operation name (versions stripped, see operationName) → rule. */
export const CLOUDTRAIL_RULES: Readonly<Record<string, Readonly<Record<string, Rule>>>> = {
  'ec2.amazonaws.com': {
    ...each(['CreateTags', 'DeleteTags'], ec2ByPrefix(req('resourcesSet.items[].resourceId'))),
    ...each(
      [
        'AuthorizeSecurityGroupIngress',
        'AuthorizeSecurityGroupEgress',
        'RevokeSecurityGroupIngress',
        'RevokeSecurityGroupEgress',
        'ModifySecurityGroupRules',
        'UpdateSecurityGroupRuleDescriptionsIngress',
        'UpdateSecurityGroupRuleDescriptionsEgress',
      ],
      ids('ec2.security_group', req('groupId')),
    ),
    CreateSecurityGroup: ids('ec2.security_group', res('groupId')),
    DeleteSecurityGroup: ids('ec2.security_group', req('groupId'), true),
    RunInstances: ids('ec2.instance', res('instancesSet.items[].instanceId')),
    TerminateInstances: ids('ec2.instance', req('instancesSet.items[].instanceId'), true),
    ...each(
      ['StopInstances', 'StartInstances', 'RebootInstances', 'MonitorInstances', 'UnmonitorInstances'],
      EC2_INSTANCES_IN_REQUEST,
    ),
    ...each(
      ['ModifyInstanceAttribute', 'ModifyInstanceMetadataOptions', 'AssociateIamInstanceProfile'],
      ids('ec2.instance', req('instanceId')),
    ),
    CreateVolume: ids('ec2.volume', res('volumeId')),
    DeleteVolume: ids('ec2.volume', req('volumeId'), true),
    ...each(
      ['AttachVolume', 'DetachVolume'],
      all(ids('ec2.volume', req('volumeId')), ids('ec2.instance', req('instanceId'))),
    ),
    ModifyVolume: ids('ec2.volume', req('volumeId')),
    CreateSnapshot: ids('ec2.snapshot', res('snapshotId')),
    DeleteSnapshot: ids('ec2.snapshot', req('snapshotId'), true),
    ModifySnapshotAttribute: ids('ec2.snapshot', req('snapshotId')),
    CreateVpc: ids('ec2.vpc', res('vpc.vpcId')),
    DeleteVpc: ids('ec2.vpc', req('vpcId'), true),
    ModifyVpcAttribute: ids('ec2.vpc', req('vpcId')),
    CreateSubnet: ids('ec2.subnet', res('subnet.subnetId')),
    DeleteSubnet: ids('ec2.subnet', req('subnetId'), true),
    ModifySubnetAttribute: ids('ec2.subnet', req('subnetId')),
    AllocateAddress: ids('ec2.eip', res('allocationId')),
    ReleaseAddress: ids('ec2.eip', req('allocationId'), true),
    AssociateAddress: ids('ec2.eip', req('allocationId')),
    CreateNetworkInterface: ids('ec2.network_interface', res('networkInterface.networkInterfaceId')),
    DeleteNetworkInterface: ids('ec2.network_interface', req('networkInterfaceId'), true),
    ModifyNetworkInterfaceAttribute: ids('ec2.network_interface', req('networkInterfaceId')),
    CreateInternetGateway: ids('ec2.internet_gateway', res('internetGateway.internetGatewayId')),
    DeleteInternetGateway: ids('ec2.internet_gateway', req('internetGatewayId'), true),
    ...each(['AttachInternetGateway', 'DetachInternetGateway'], ids('ec2.internet_gateway', req('internetGatewayId'))),
    ...each(
      ['CreateRoute', 'DeleteRoute', 'ReplaceRoute', 'AssociateRouteTable'],
      ids('ec2.route_table', req('routeTableId')),
    ),
    DeleteRouteTable: ids('ec2.route_table', req('routeTableId'), true),
    ...each(
      ['CreateNetworkAclEntry', 'DeleteNetworkAclEntry', 'ReplaceNetworkAclEntry'],
      ids('ec2.network_acl', req('networkAclId')),
    ),
    ...each(
      ['ModifyLaunchTemplate', 'CreateLaunchTemplateVersion'],
      ids('ec2.launch_template', req('launchTemplateId')),
    ),
  },
  's3.amazonaws.com': {
    ...each(
      [
        'CreateBucket',
        'PutBucketPolicy',
        'DeleteBucketPolicy',
        'PutBucketTagging',
        'DeleteBucketTagging',
        'PutBucketEncryption',
        'DeleteBucketEncryption',
        'PutBucketVersioning',
        'PutBucketAcl',
        'PutBucketPublicAccessBlock',
        'DeleteBucketPublicAccessBlock',
      ],
      ids('s3.bucket', req('bucketName')),
    ),
    DeleteBucket: ids('s3.bucket', req('bucketName'), true),
  },
  'iam.amazonaws.com': {
    ...each(
      [
        'CreateRole',
        'AttachRolePolicy',
        'DetachRolePolicy',
        'PutRolePolicy',
        'DeleteRolePolicy',
        'TagRole',
        'UntagRole',
        'UpdateRole',
        'UpdateRoleDescription',
        'UpdateAssumeRolePolicy',
        'PutRolePermissionsBoundary',
        'DeleteRolePermissionsBoundary',
      ],
      ids('iam.role', req('roleName')),
    ),
    DeleteRole: ids('iam.role', req('roleName'), true),
    ...each(
      [
        'CreateUser',
        'AttachUserPolicy',
        'DetachUserPolicy',
        'PutUserPolicy',
        'DeleteUserPolicy',
        'TagUser',
        'UntagUser',
        'CreateAccessKey',
        'DeleteAccessKey',
        'UpdateAccessKey',
        'CreateLoginProfile',
        'UpdateLoginProfile',
        'DeleteLoginProfile',
        'EnableMFADevice',
        'DeactivateMFADevice',
      ],
      ids('iam.user', req('userName')),
    ),
    DeleteUser: ids('iam.user', req('userName'), true),
    UpdateUser: all(ids('iam.user', req('userName'), true), ids('iam.user', req('newUserName'))),
    ...each(
      ['AddUserToGroup', 'RemoveUserFromGroup'],
      all(ids('iam.user', req('userName')), ids('iam.group', req('groupName'))),
    ),
    ...each(
      ['CreateGroup', 'AttachGroupPolicy', 'DetachGroupPolicy', 'PutGroupPolicy', 'DeleteGroupPolicy'],
      ids('iam.group', req('groupName')),
    ),
    DeleteGroup: ids('iam.group', req('groupName'), true),
    CreatePolicy: ids('iam.policy', req('policyName')),
    ...each(
      ['CreatePolicyVersion', 'SetDefaultPolicyVersion', 'DeletePolicyVersion', 'TagPolicy', 'UntagPolicy'],
      (ct) => (req('policyArn')(ct).length === 0 ? null : [{ type: 'iam.policy', ids: customerPolicy(ct) }]),
    ),
    DeletePolicy: (ct) =>
      req('policyArn')(ct).length === 0 ? null : [{ type: 'iam.policy', ids: customerPolicy(ct), gone: true }],
    ...each(
      ['CreateInstanceProfile', 'AddRoleToInstanceProfile', 'RemoveRoleFromInstanceProfile'],
      ids('iam.instance_profile', req('instanceProfileName')),
    ),
    DeleteInstanceProfile: ids('iam.instance_profile', req('instanceProfileName'), true),
  },
  'lambda.amazonaws.com': {
    ...each(
      [
        'CreateFunction',
        'UpdateFunctionConfiguration',
        'UpdateFunctionCode',
        'AddPermission',
        'RemovePermission',
        'PutFunctionConcurrency',
        'DeleteFunctionConcurrency',
        'CreateFunctionUrlConfig',
        'UpdateFunctionUrlConfig',
        'DeleteFunctionUrlConfig',
      ],
      lambdaFunction(),
    ),
    // Deleting one version (a qualifier) leaves the function: only an unqualified delete is gone.
    DeleteFunction: (ct) => (ct.requestParameters?.qualifier ? lambdaFunction()(ct) : lambdaFunction(true)(ct)),
    ...each(['TagResource', 'UntagResource'], (ct) => {
      const arns = req('resource')(ct);
      if (arns.length === 0) return null;
      const fns = arns.filter((a) => a.includes(':function:')).map(lambdaName);
      return fns.length === 0 ? [] : [{ type: 'lambda.function', ids: fns }];
    }),
  },
  'rds.amazonaws.com': {
    ...each(
      ['CreateDBInstance', 'ModifyDBInstance', 'RebootDBInstance', 'StartDBInstance', 'StopDBInstance'],
      ids('rds.instance', req('dBInstanceIdentifier')),
    ),
    DeleteDBInstance: ids('rds.instance', req('dBInstanceIdentifier'), true),
    ...each(
      ['CreateDBCluster', 'ModifyDBCluster', 'StartDBCluster', 'StopDBCluster'],
      ids('rds.cluster', req('dBClusterIdentifier')),
    ),
    DeleteDBCluster: ids('rds.cluster', req('dBClusterIdentifier'), true),
    CreateDBSnapshot: ids('rds.snapshot', req('dBSnapshotIdentifier')),
    DeleteDBSnapshot: ids('rds.snapshot', req('dBSnapshotIdentifier'), true),
    ...each(['AddTagsToResource', 'RemoveTagsFromResource'], rdsByArn),
  },
};

/** The rule for a call, if Elava maps it. */
export function ruleFor(eventSource: string, operation: string): Rule | undefined {
  return CLOUDTRAIL_RULES[eventSource]?.[operation];
}

/** EC2's own notification of an instance's state: the instance, gone once terminated. */
export function ec2StateChange(detail: Record<string, unknown>): Touch[] | null {
  const id = detail['instance-id'];
  if (typeof id !== 'string' || !id.startsWith('i-')) return null;
  return [{ type: 'ec2.instance', ids: [id], ...(detail.state === 'terminated' ? { gone: true } : {}) }];
}
