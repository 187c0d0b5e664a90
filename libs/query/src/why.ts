import type { Store } from '@elava/store';
import type { AuditEntry, ChangeSummary, Decision } from '@elava/types';
import { QueryError } from './params.js';
import { changeItems, decisionItem } from './trail-items.js';

/** What `elava why <decision-id>` prints: each link of the chain with its revision and time. */
export interface Explanation {
  decision: Decision;
  decided: { seq: number; time: string };
  /** The version of the resource the decision judged (absent once compacted away). */
  observation?: { revision: number; time?: string };
  change?: ChangeSummary & { recorded: { seq: number; time: string } };
  /** Every step taken on the decision afterwards: notifications, executions, approvals. */
  outcomes: { seq: number; type: AuditEntry['type']; time: string; data: Record<string, unknown> }[];
}

const OUTCOMES = ['executing', 'executed', 'failed', 'skipped', 'awaiting_approval', 'approved'] as const;

/**
 * The chain behind a decision, read from the trail by the keys its writers used: `decided-<id>`
 * (policy service), `changes-rev-<n>` (detector), then the entries about the resource that name
 * the decision.
 */
export function explain(store: Store, id: string): Explanation {
  const entry = store.auditByKey(`decided-${id}`);
  const decision = entry ? decisionItem(entry) : null;
  if (!entry || !decision) throw new QueryError(404, `no decision ${id} is recorded`);
  const out: Explanation = { decision, decided: { seq: entry.seq, time: entry.time }, outcomes: [] };

  if (decision.change) {
    const found = changeAt(store, decision.change.id, decision.revision);
    if (found) out.change = { ...found.change, recorded: { seq: found.entry.seq, time: found.entry.time } };
  }
  const observed = store
    .history(decision.resource.id)
    .filter((v) => v.revision.main <= decision.revision)
    .pop();
  if (observed) {
    const time = store.timeOf(observed.revision.main);
    out.observation = { revision: observed.revision.main, ...(time ? { time } : {}) };
  }
  for (const e of store.audit({ resource: decision.resource.id, types: [...OUTCOMES], after: entry.seq })) {
    if (e.data.decision_id === id) out.outcomes.push({ seq: e.seq, type: e.type, time: e.time, data: e.data });
  }
  return out;
}

/** The change by id: first in its revision's `changes-rev-<n>` entry, else in the latest entries. */
function changeAt(
  store: Store,
  changeId: string,
  revision: number,
): { entry: AuditEntry; change: ChangeSummary } | null {
  const keyed = store.auditByKey(`changes-rev-${revision}`);
  const candidates = keyed ? [keyed] : [];
  candidates.push(
    ...store
      .audit({ types: ['changes_detected'] })
      .slice(-2_000)
      .reverse(),
  );
  for (const e of candidates) {
    const c = changeItems(e).find((x) => x.id === changeId);
    if (c) return { entry: e, change: c };
  }
  return null;
}
