import type { Tags } from '@elava/types';
import type { StoreCore } from './core.js';
import { CompactedError } from './errors.js';
import type { KeyIndex } from './key-index.js';
import type { KvView } from './kv-view.js';
import type { Delta, ScanResult } from './types.js';

/** The documents and tags of a revision's puts, in sub order, while the writer still holds them. */
export interface FreshPuts {
  docs: readonly string[];
  tags: readonly (Tags | null)[];
}

/**
 * The result of a write: counts at once, deltas on first read. Building a delta per version
 * (metadata objects, hashes in base64, documents) was a tenth of the writer's time, spent even
 * for callers that never look. Read them before compacting past the revision: after that its
 * versions may be gone, and reading them throws a CompactedError.
 */
export function writeResult(
  core: StoreCore,
  view: KvView,
  main: number,
  duplicate: boolean,
  withDocs: boolean,
  fresh?: FreshPuts,
): ScanResult {
  const entry = core.state.revisions.get(main);
  const result = {
    revision: main,
    time: view.timeOf(main) ?? '',
    duplicate,
    observed: entry?.observed ?? 0,
    unchanged: entry?.unchanged ?? 0,
  } as ScanResult;
  let deltas: Delta[] | null = null;
  Object.defineProperty(result, 'deltas', {
    enumerable: true,
    configurable: true,
    get: () => {
      deltas ??= buildDeltas(core, view, main, withDocs, fresh);
      return deltas;
    },
    set: (v: Delta[]) => {
      deltas = v;
    },
  });
  result.audit = [];
  return result;
}

function buildDeltas(
  core: StoreCore,
  view: KvView,
  main: number,
  withDocs: boolean,
  fresh: FreshPuts | undefined,
): Delta[] {
  const state = core.state;
  if (main < state.compactedAt) throw new CompactedError(main, state.compactedAt);
  const rows = state.revisions.get(main)?.rows ?? [];
  const t = state.table;
  const timeOf = view.timeMemo();
  const time = timeOf(main);
  return rows.map((row, i) => {
    const ki = t.owner[row] as KeyIndex;
    const prev = ki.previous(row);
    const d: Delta = {
      id: ki.id,
      kind: view.kindOf(row, prev),
      current: view.meta(row, time),
      previous: prev >= 0 ? view.meta(prev, timeOf(t.main[prev] as number)) : null,
    };
    if (withDocs) {
      if (!t.isTombstone(row)) {
        d.current_json = fresh?.docs[i] ?? core.files.readString(core.docRef(row));
        // Only an appearance is judged by its tags alone; a modification is diffed whole anyway.
        const tags = d.kind === 'modified' ? null : fresh?.tags[i];
        if (tags) d.current_tags = tags;
      }
      if (prev >= 0 && !t.isTombstone(prev)) d.previous_json = core.files.readString(core.docRef(prev));
    }
    return d;
  });
}
