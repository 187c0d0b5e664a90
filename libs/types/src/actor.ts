/**
 * Who made a change, as AWS recorded it (CloudTrail's `userIdentity` and the call around it).
 * `via` says how Elava learned it: `event` (the change was re-read because an event named the
 * resource) or `sweep` (a scheduled scan saw it and CloudTrail was asked afterwards).
 */
export interface Actor {
  /** `userIdentity.arn`: arn:aws:sts::123456789012:assumed-role/deployer/alice, an IAM user, root. */
  principal_arn: string;
  /** `userIdentity.type`: IAMUser, AssumedRole, Root, AWSService, FederatedUser, IdentityCenterUser, … */
  principal_type: string;
  /** The role (or user) a session was issued for: `sessionContext.sessionIssuer.arn`. */
  session_issuer?: string;
  /** `sourceIdentity` set on AssumeRole: the person behind a shared role. */
  source_identity?: string;
  user_agent?: string;
  source_ip?: string;
  event_name: string;
  /** RFC 3339, when AWS says the call was made. */
  event_time: string;
  /** The AWS request id (or the event id where a service event carries none). */
  request_id?: string;
  via: 'event' | 'sweep';
  /** Elava's own executor made the call (its role or its `elava-executor` session): not drift. */
  elava?: boolean;
}

/** How an actor reads in one line: the principal, and the person behind a shared role when known. */
export function actorLabel(a: Actor): string {
  const who = a.elava ? `Elava (${a.principal_arn})` : a.principal_arn;
  return a.source_identity ? `${who} (source identity ${a.source_identity})` : who;
}

/**
 * The idempotency key of the trail's `attributed` entry for one version of one resource: a
 * redelivered page, or a retried lookup, writes it once. The id is hashed (FNV-1a, 64 bits) so the
 * key stays short whatever the id; a collision only drops one of two attributions of a revision.
 */
export function attributedKey(store: string, revision: number, resourceId: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(resourceId)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `attributed-${store}-${revision}-${h.toString(16).padStart(16, '0')}`;
}
