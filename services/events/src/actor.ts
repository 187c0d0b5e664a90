import { actorFromCloudTrail } from '@elava/aws';
import type { Actor } from '@elava/types';
import type { CloudTrailRecord } from './envelope.js';

export { EXECUTOR_SESSION } from '@elava/aws';

/** Who made the call an event reports (libs/aws cloudtrail-actor.ts), learned `via` the event. */
export function actorOf(ct: CloudTrailRecord, eventTime: string, executorRoles: ReadonlySet<string>): Actor {
  return actorFromCloudTrail(ct, { fallbackTime: eventTime, executorRoles, via: 'event' });
}
