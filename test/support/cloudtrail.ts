import { randomUUID } from 'node:crypto';

/**
 * CloudTrail records in the documented shape ("CloudTrail record contents" and the userIdentity
 * element, AWS CloudTrail User Guide), as EventBridge carries them in an "AWS API Call via
 * CloudTrail" event's `detail`. moto does not emit these itself: tests send them with PutEvents.
 */

export const ACCOUNT = '123456789012';

export type Identity = Record<string, unknown>;

/** An assumed-role session (a CI role, a person through a shared role). */
export function assumedRole(
  role: string,
  session: string,
  opts: { sourceIdentity?: string; account?: string } = {},
): Identity {
  const account = opts.account ?? ACCOUNT;
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLEID:${session}`,
    arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
    accountId: account,
    accessKeyId: 'ASIAEXAMPLEKEY',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLEID',
        arn: `arn:aws:iam::${account}:role/${role}`,
        accountId: account,
        userName: role,
      },
      webIdFederationData: {},
      attributes: { creationDate: '2026-01-01T10:00:00Z', mfaAuthenticated: 'false' },
      ...(opts.sourceIdentity ? { sourceIdentity: opts.sourceIdentity } : {}),
    },
  };
}

/** An IAM Identity Center user's session in a member account (its permission set's reserved role). */
export function identityCenterSession(user: string, permissionSet = 'AdministratorAccess'): Identity {
  const role = `AWSReservedSSO_${permissionSet}_0123456789abcdef`;
  const id = assumedRole(role, user);
  const ctx = id.sessionContext as { sessionIssuer: { arn: string } };
  ctx.sessionIssuer.arn = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/${role}`;
  return id;
}

/** An IAM Identity Center user acting directly (type IdentityCenterUser: no ARN, an identity store user). */
export function identityCenterUser(userId: string): Identity {
  return {
    type: 'IdentityCenterUser',
    accountId: ACCOUNT,
    onBehalfOf: { userId, identityStoreArn: `arn:aws:identitystore::${ACCOUNT}:identitystore/d-9067642ac7` },
    credentialId: 'EXAMPLEcredentialId',
  };
}

export function iamUser(name: string): Identity {
  return {
    type: 'IAMUser',
    principalId: 'AIDAEXAMPLEID',
    arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    accountId: ACCOUNT,
    accessKeyId: 'AKIAEXAMPLEKEY',
    userName: name,
  };
}

/** One CloudTrail management event record: a write unless `readOnly`. */
export function record(o: {
  source: string;
  name: string;
  identity: Identity;
  request?: Record<string, unknown> | null;
  response?: Record<string, unknown> | null;
  region?: string;
  account?: string;
  readOnly?: boolean;
  errorCode?: string;
  time?: string;
}): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    userIdentity: o.identity,
    eventTime: o.time ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    eventSource: o.source,
    eventName: o.name,
    awsRegion: o.region ?? 'us-east-1',
    sourceIPAddress: '203.0.113.7',
    userAgent: 'aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.5 command/test',
    ...(o.errorCode ? { errorCode: o.errorCode, errorMessage: 'refused' } : {}),
    requestParameters: o.request ?? null,
    responseElements: o.response ?? null,
    requestID: randomUUID(),
    eventID: randomUUID(),
    readOnly: o.readOnly ?? false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: o.account ?? ACCOUNT,
    eventCategory: 'Management',
  };
}

/** The EventBridge envelope of a CloudTrail record, as a rule's SQS target receives it. */
export function envelope(detail: Record<string, unknown>, id: string = randomUUID()): Record<string, unknown> {
  const source = `aws.${String(detail.eventSource).split('.')[0]}`;
  return {
    version: '0',
    id,
    'detail-type': 'AWS API Call via CloudTrail',
    source,
    account: detail.recipientAccountId,
    time: detail.eventTime,
    region: detail.awsRegion,
    resources: [],
    detail,
  };
}

export const createTags = (ids: string[], identity: Identity, tags: Record<string, string> = {}) =>
  record({
    source: 'ec2.amazonaws.com',
    name: 'CreateTags',
    identity,
    request: {
      resourcesSet: { items: ids.map((resourceId) => ({ resourceId })) },
      tagSet: { items: Object.entries(tags).map(([key, value]) => ({ key, value })) },
    },
    response: { requestId: randomUUID(), _return: true },
  });

export const authorizeIngress = (groupId: string, identity: Identity, port = 22) =>
  record({
    source: 'ec2.amazonaws.com',
    name: 'AuthorizeSecurityGroupIngress',
    identity,
    request: {
      groupId,
      ipPermissions: {
        items: [{ ipProtocol: 'tcp', fromPort: port, toPort: port, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }],
      },
    },
    response: { requestId: randomUUID(), _return: true },
  });

export const terminateInstances = (ids: string[], identity: Identity) =>
  record({
    source: 'ec2.amazonaws.com',
    name: 'TerminateInstances',
    identity,
    request: { instancesSet: { items: ids.map((instanceId) => ({ instanceId })) } },
    response: {
      requestId: randomUUID(),
      instancesSet: {
        items: ids.map((instanceId) => ({
          instanceId,
          currentState: { code: 32, name: 'shutting-down' },
          previousState: { code: 16, name: 'running' },
        })),
      },
    },
  });

export const putBucketPolicy = (bucketName: string, identity: Identity, policy: unknown) =>
  record({
    source: 's3.amazonaws.com',
    name: 'PutBucketPolicy',
    identity,
    request: { bucketName, Host: `${bucketName}.s3.amazonaws.com`, bucketPolicy: policy, policy: '' },
  });

export const attachRolePolicy = (roleName: string, policyArn: string, identity: Identity) =>
  record({ source: 'iam.amazonaws.com', name: 'AttachRolePolicy', identity, request: { roleName, policyArn } });

/** Lambda's CloudTrail event names carry the API version. */
export const updateFunctionConfiguration = (
  functionName: string,
  identity: Identity,
  config: Record<string, unknown>,
) =>
  record({
    source: 'lambda.amazonaws.com',
    name: 'UpdateFunctionConfiguration20150331v2',
    identity,
    request: { functionName, ...config },
    response: { functionName, functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${functionName}` },
  });

/** EC2's own notification (no CloudTrail record, no caller). */
export function ec2StateChange(instanceId: string, state: string, region = 'us-east-1'): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: ACCOUNT,
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    region,
    resources: [`arn:aws:ec2:${region}:${ACCOUNT}:instance/${instanceId}`],
    detail: { 'instance-id': instanceId, state },
  };
}
