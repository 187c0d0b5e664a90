import type { Actor } from '@elava/types';

/** The session name of Elava's executor (accounts.ts): calls made in it are Elava's own. */
export const EXECUTOR_SESSION = 'elava-executor';

/** The fields of a CloudTrail record that say who made a call (CloudTrail User Guide, record contents). */
export interface CloudTrailCall {
  eventName: string;
  eventTime?: string;
  eventID?: string;
  requestID?: string;
  sourceIPAddress?: string;
  userAgent?: string;
  userIdentity?: Record<string, unknown>;
  sourceIdentity?: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * Who made a call, from CloudTrail's `userIdentity`: an IAM user, an assumed-role session (the
 * role is the session issuer, `sourceIdentity` the person behind a shared role), root, an AWS
 * service acting for someone, or an IAM Identity Center user (identified by its identity store
 * and user id: such a record carries no ARN). Calls under `executorRoles` or the executor's
 * session name are Elava's own.
 */
export function actorFromCloudTrail(
  ct: CloudTrailCall,
  o: { fallbackTime: string; executorRoles: ReadonlySet<string>; via: Actor['via'] },
): Actor {
  const who = obj(ct.userIdentity);
  const session = obj(who.sessionContext);
  const issuer = obj(session.sessionIssuer);
  const onBehalfOf = obj(who.onBehalfOf);
  const type = str(who.type) ?? 'Unknown';
  const store = str(onBehalfOf.identityStoreArn);
  const user = str(onBehalfOf.userId);
  const principal =
    str(who.arn) ??
    (store && user ? `${store}/user/${user}` : undefined) ??
    str(who.invokedBy) ??
    str(who.principalId) ??
    (str(who.accountId) ? `arn:aws:iam::${str(who.accountId)}:${type}` : type);
  const issuerArn = str(issuer.arn);
  const sourceIdentity = str(session.sourceIdentity) ?? str(ct.sourceIdentity);
  const sessionName = /:assumed-role\/[^/]+\/(.+)$/.exec(principal)?.[1];
  const elava = (issuerArn !== undefined && o.executorRoles.has(issuerArn)) || sessionName === EXECUTOR_SESSION;
  const time =
    ct.eventTime && !Number.isNaN(Date.parse(ct.eventTime)) ? new Date(ct.eventTime).toISOString() : undefined;
  return {
    principal_arn: principal,
    principal_type: type,
    ...(issuerArn ? { session_issuer: issuerArn } : {}),
    ...(sourceIdentity ? { source_identity: sourceIdentity } : {}),
    ...(ct.userAgent ? { user_agent: ct.userAgent } : {}),
    ...(ct.sourceIPAddress ? { source_ip: ct.sourceIPAddress } : {}),
    event_name: ct.eventName,
    event_time: time ?? o.fallbackTime,
    ...(ct.requestID ? { request_id: ct.requestID } : ct.eventID ? { request_id: ct.eventID } : {}),
    via: o.via,
    ...(elava ? { elava: true } : {}),
  };
}
