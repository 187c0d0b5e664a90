import type { PublishedChange } from '@elava/types';
import type { PolicyInput } from './policy-set.js';

/**
 * What a policy sees, built in one place: the policy service builds its inputs with these, and
 * `elava policy backtest` replays recorded versions through the very same functions.
 */

/** One change in a policy input's `history`: what kind, at which revision and when. */
export interface HistoryItem {
  type: 'appeared' | 'disappeared' | 'modified' | 'tag_drift' | 'status_changed';
  revision: number;
  time: string;
}

/** One stored version as far as its history item is concerned (the `history` query's shape). */
export interface HistoryVersion {
  revision: { main: number };
  /** The revision that began this generation (an appearance, or a return after a tombstone). */
  created: number;
  time: string;
  tombstone: boolean;
  diff: { path: string }[];
}

/** Fields that move without anything having changed, and fields that are a resource's state (as classify.ts). */
const VOLATILE = [/^attributes\.available_ip_address_count$/, /^attributes\.last_/];
const STATUS = /^(status|attributes\.state|attributes\.status)$/;

/**
 * A resource's changes within a window, from its versions oldest first: the changes with
 * `since <= time` and `revision <= upTo`. A version that changed tags, state and other fields at
 * once counts once for each, as the detector publishes them. Cost estimates are left out (the
 * detector's prices are its own).
 */
export function historyOf(versions: readonly HistoryVersion[], window: { since: Date; upTo: number }): HistoryItem[] {
  const from = window.since.getTime();
  const out: HistoryItem[] = [];
  for (const v of versions) {
    if (v.revision.main > window.upTo) break;
    if (Date.parse(v.time) < from) continue;
    const at = { revision: v.revision.main, time: v.time };
    if (v.tombstone) out.push({ type: 'disappeared', ...at });
    else if (v.created === v.revision.main) out.push({ type: 'appeared', ...at });
    else {
      const paths = v.diff.map((d) => d.path).filter((p) => !VOLATILE.some((r) => r.test(p)));
      if (paths.some((p) => p.startsWith('tags.'))) out.push({ type: 'tag_drift', ...at });
      if (paths.some((p) => STATUS.test(p))) out.push({ type: 'status_changed', ...at });
      if (paths.some((p) => !p.startsWith('tags.') && !STATUS.test(p))) out.push({ type: 'modified', ...at });
    }
  }
  return out;
}

type InputChange = Pick<PublishedChange, 'id' | 'type' | 'diff' | 'revision' | 'previous_revision' | 'time'> & {
  previous: unknown;
  current: unknown;
};

/**
 * The history of a resource first recorded by this change: the change itself, with no query (a
 * first scan's thousands of appearances ask nothing). Undefined when there was an earlier version.
 */
export function firstHistory(c: InputChange): HistoryItem[] | undefined {
  return c.previous_revision === null
    ? [{ type: c.type as HistoryItem['type'], revision: c.revision, time: c.time }]
    : undefined;
}

/** A change's input: the resource as it is now, as it was, the change, its history, and `now`. */
export function changeInput(change: InputChange, history: unknown[] | undefined, now: string): PolicyInput {
  return {
    resource: change.current,
    ...(change.previous ? { previous: change.previous } : {}),
    change: { id: change.id, type: change.type, diff: change.diff, revision: change.revision },
    ...(history ? { history } : {}),
    now,
  };
}

/** A resource as it stands (a whole-scope evaluation after a clean scan). */
export function resourceInput(resource: unknown, now: string): PolicyInput {
  return { resource, now };
}
