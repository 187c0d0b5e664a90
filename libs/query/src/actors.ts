import type { Store } from '@elava/store';
import type { Actor } from '@elava/types';

/**
 * Who made each version of a resource, by revision: the trail's `attributed` entries (the
 * recorder's, from an event; the detector's, from CloudTrail after a sweep). The first word on a
 * revision stands: an event's actor is not replaced by a later lookup.
 */
export function actorsByRevision(store: Store, id: string): Map<number, Actor> {
  const out = new Map<number, Actor>();
  for (const e of store.audit({ resource: id, types: ['attributed'] })) {
    const actor = e.data.actor as Actor | undefined;
    if (e.revision !== undefined && actor && typeof actor.principal_arn === 'string' && !out.has(e.revision))
      out.set(e.revision, actor);
  }
  return out;
}

/**
 * Whether `by` names the actor: its principal ARN, session issuer or source identity as given,
 * or the name at the end of the ARN (a user, a session, `alice@example.com`), or an assumed
 * role's name. Case-insensitive, as people type them.
 */
export function actorMatches(actor: Actor | undefined, by: string): boolean {
  if (!actor) return false;
  const want = by.toLowerCase();
  const arn = actor.principal_arn.toLowerCase();
  const names = [
    arn,
    actor.session_issuer?.toLowerCase(),
    actor.source_identity?.toLowerCase(),
    arn.split('/').pop(),
    /:assumed-role\/([^/]+)\//.exec(arn)?.[1],
    ...(actor.elava ? ['elava'] : []),
  ];
  return names.includes(want);
}
