import { createHash } from 'node:crypto';
import type { Actor, ScanJob } from '@elava/types';
import type { Target } from './route.js';

/** At most this many ids per job (the scan job schema allows 1000; EC2 filters take 200 values). */
export const IDS_PER_JOB = 200;

/** The targets of one event, with its EventBridge id and when the call was made. */
export interface RoutedEvent {
  id: string;
  time: string;
  targets: Target[];
}

export type TargetedJob = ScanJob & { scan_id: string; ids: string[]; events: string[] };

/**
 * The targeted scan jobs for the events of one receive: one job per scope (and per 200 ids), so
 * ten events about ten instances of a region are one DescribeInstances, not ten. An id's actor is
 * that of the newest event naming it, and it is gone only if that newest event deleted it (a
 * bucket deleted, then made again). The job id is derived from the scope and the events' ids, so
 * a redelivered message adds no second job while the first is remembered; read again otherwise
 * (regrouped with other events), it finds nothing new to record.
 */
export function jobsFor(events: RoutedEvent[]): TargetedJob[] {
  const scopes = new Map<
    string,
    {
      target: Omit<Target, 'ids' | 'gone' | 'actor'>;
      ids: Map<string, { at: string; gone: boolean; actor?: Actor }>;
      events: Set<string>;
    }
  >();
  const ordered = [...events].sort((a, b) => a.time.localeCompare(b.time));
  for (const e of ordered) {
    for (const t of e.targets) {
      const key = `${t.account}|${t.region}|${t.type}`;
      const scope = scopes.get(key) ?? {
        target: { account: t.account, region: t.region, type: t.type },
        ids: new Map(),
        events: new Set<string>(),
      };
      scope.events.add(e.id);
      for (const id of t.ids)
        scope.ids.set(id, { at: e.time, gone: t.gone.includes(id), ...(t.actor ? { actor: t.actor } : {}) });
      scopes.set(key, scope);
    }
  }
  const out: TargetedJob[] = [];
  for (const { target, ids, events: from } of scopes.values()) {
    const all = [...ids.keys()].sort();
    const eventIds = [...from].sort();
    for (let i = 0; i < all.length; i += IDS_PER_JOB) {
      const chunk = all.slice(i, i + IDS_PER_JOB);
      const gone = chunk.filter((id) => ids.get(id)?.gone);
      const actors = Object.fromEntries(
        chunk.flatMap((id) => {
          const a = ids.get(id)?.actor;
          return a ? [[id, a]] : [];
        }),
      );
      const digest = createHash('sha1')
        .update(`${eventIds.join(',')}|${target.account}|${target.region}|${target.type}|${i}`)
        .digest('hex')
        .slice(0, 24);
      out.push({
        scan_id: `ev-${digest}`,
        scope: { ...target },
        requested_by: 'events',
        ids: chunk,
        events: eventIds,
        ...(gone.length > 0 ? { gone } : {}),
        ...(Object.keys(actors).length > 0 ? { actors } : {}),
      });
    }
  }
  return out;
}
