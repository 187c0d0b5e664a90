import type { ChangeSummary } from './change.js';

/** Fields a revision's changes often share: given once in `shared` when every change has the same. */
const SHAREABLE = ['baseline', 'previous_revision', 'revision', 'severity', 'store', 'time', 'type'] as const;

/**
 * A `changes_detected` entry's changes as the trail keeps them: the fields every change of the
 * list has alike (a first scan's page is 500 appearances of one store, revision and time) once in
 * `shared`, the rest per change. That made the entry a third of its size, and it is serialized,
 * queued, hashed, stored and published on the WAL.
 */
export interface PackedChanges {
  shared?: Partial<ChangeSummary>;
  changes: Partial<ChangeSummary>[];
}

/** Packs changes for the trail; `unpackChanges` gives them back whole. */
export function packChanges(list: readonly ChangeSummary[]): PackedChanges {
  if (list.length < 2) return { changes: [...list] };
  const first = list[0] as ChangeSummary;
  const shared: Record<string, unknown> = {};
  for (const k of SHAREABLE) {
    const v = first[k];
    if (v !== undefined && list.every((c) => c[k] === v)) shared[k] = v;
  }
  if (list.every((c) => c.diff.length === 0)) shared.diff = [];
  if (Object.keys(shared).length === 0) return { changes: [...list] };
  // Each change's own keys in sorted order, as the trail's canonical form has it (the hash then
  // copies nothing); sorted again only when a change's keys differ from the one before's (a
  // revision's changes mostly share one shape: comparing interned keys beats joining them).
  let shape: string[] = [];
  let order: string[] = [];
  const changes = list.map((c) => {
    const keys = Object.keys(c);
    if (!sameKeys(keys, shape)) {
      shape = keys;
      order = keys.filter((k) => !(k in shared)).sort();
    }
    const own: Record<string, unknown> = {};
    for (const k of order) own[k] = c[k as keyof ChangeSummary];
    return own as Partial<ChangeSummary>;
  });
  return { shared: shared as Partial<ChangeSummary>, changes };
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A trail entry's changes, whole: packed (`shared` + `changes`) or as older entries kept them. */
export function unpackChanges(data: Record<string, unknown>): unknown[] {
  const list = data.changes;
  if (!Array.isArray(list)) return [];
  const shared = data.shared;
  if (shared === null || typeof shared !== 'object' || Array.isArray(shared)) return list;
  return list.map((c) => (c !== null && typeof c === 'object' ? { ...shared, ...c } : c));
}
