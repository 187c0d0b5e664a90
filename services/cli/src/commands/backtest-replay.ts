import { classify } from '@elava/detector';
import {
  changeInput,
  type Evaluation,
  firstHistory,
  type HistoryItem,
  historyOf,
  type PolicyInput,
  type PolicyPool,
  resourceInput,
} from '@elava/policy';
import { CompactedError, type Delta, type Store } from '@elava/store';
import type { AnyResource, ChangeType, DeltaKind, ResourceType } from '@elava/types';
import type { BacktestTally } from './backtest-tally.js';

export interface ReplayOptions {
  store: Store;
  /** Versions recorded after this revision… */
  from: number;
  /** …up to and including this one. */
  to: number;
  type?: ResourceType;
  /** change_detection.track: the changes the detector hands the policy service. */
  track: readonly ChangeType[];
  /** change_detection.lookback_window: how far back each input's `history` reaches (0: none). */
  lookbackMs: number;
  /** The library tried (and the one in service, as its baseline, when they differ). */
  pool: PolicyPool;
  tally: BacktestTally;
  /** Versions replayed so far of all there are. */
  onProgress?: (done: number, total: number) => void;
}

/** Inputs per batch handed to the pool, and batches in flight at once (one being filled meanwhile). */
const BATCH = 2_000;
const IN_FLIGHT = 3;
/** Version records read from the store's index at a time. */
const PAGE = 20_000;
const KINDS: readonly DeltaKind[] = ['added', 'modified', 'reappeared', 'tombstoned'];
const EVER = new Date(-8.64e15);

/**
 * Replays every version recorded in (from, to] through the pool, each as the policy service saw
 * it: the detector's changes for that version (classify, filtered by `track`), each one input made
 * by the policy service's own functions (inputs.ts) with the resource, its previous version, the
 * change, its history and `now` = the version's time; a version that made no tracked change is the
 * resource as it stands (a whole-scope evaluation). The versions of the lookback window before
 * `from` are read for the histories only.
 *
 * Resource by resource, each one's versions oldest first: every document is read and parsed once
 * (it is the next version's `previous`), and the history is at hand. The index of versions to
 * replay is a few numbers per version, gathered first from the store's revisions.
 */
export async function replay(o: ReplayOptions): Promise<void> {
  const { store, tally } = o;
  if (o.to <= o.from) return;
  const start =
    o.lookbackMs > 0
      ? Math.min(o.from, revisionAt(store, Date.parse(store.timeOf(o.from + 1) ?? '') - o.lookbackMs))
      : o.from;
  const v = versionsOf(store, start, o.to, o.type);
  const total = v.inWindow;
  const time = timeMemo(store);
  let batch: { inputs: string[]; versions: { id: string; revision: number; time: string; n: number }[] } = {
    inputs: [],
    versions: [],
  };
  const inFlight: Promise<void>[] = [];
  let done = 0;
  const dispatch = async () => {
    const b = batch;
    batch = { inputs: [], versions: [] };
    if (b.inputs.length === 0) return;
    inFlight.push(
      o.pool.evaluate(b.inputs).then((results) => {
        let at = 0;
        for (const x of b.versions) {
          tally.add({ ...x, results: results.slice(at, at + x.n) as Evaluation[] });
          at += x.n;
        }
      }),
    );
    while (inFlight.length >= IN_FLIGHT) await inFlight.shift();
    o.onProgress?.(done, total);
  };

  for (let r = 0; r < v.ids.length; r++) {
    const id = v.ids[r] as string;
    /** This resource's recent changes, as history items, with their times. */
    const recent: { ms: number; items: HistoryItem[] }[] = [];
    let previous: AnyResource | null = null;
    /** Each document's JSON text, as stored: it is this version's `resource` and the next one's `previous`. */
    const text = new WeakMap<object, string>();
    for (let k = v.offsets[r] as number; k < (v.offsets[r + 1] as number); k++) {
      const row = v.order[k] as number;
      const revision = v.rev[row] as number;
      const prevRevision = v.prev[row] as number;
      const kind = KINDS[v.kind[row] as number] as DeltaKind;
      const tombstone = kind === 'tombstoned';
      const at = time(revision);
      // The first version replayed of a resource recorded earlier: its previous version from the store.
      if (k === v.offsets[r] && prevRevision > 0 && !v.prevGone[row]) previous = readAt(store, id, prevRevision, text);
      else if (kind === 'reappeared') previous = null;
      const current = tombstone ? null : readAt(store, id, revision, text);
      const delta = {
        id,
        kind,
        current: { revision: { main: revision, sub: 0 }, created: v.created[row], time: at, tombstone },
        previous: prevRevision > 0 ? { revision: { main: prevRevision, sub: 0 } } : null,
      } as unknown as Delta;
      const changes = classify(store.id, delta, previous, current);
      previous = current;
      const ms = Date.parse(at);
      if (o.lookbackMs > 0) {
        while (recent.length > 0 && (recent[0] as { ms: number }).ms < ms - o.lookbackMs) recent.shift();
        const items = historyOf(
          [
            {
              revision: { main: revision },
              created: v.created[row] as number,
              time: at,
              tombstone,
              diff: changes.flatMap((c) => c.diff),
            },
          ],
          { since: EVER, upTo: revision },
        );
        recent.push({ ms, items });
      }
      if (revision <= o.from) continue;
      done++;
      const tracked = changes.filter((c) => o.track.includes(c.type));
      let inputs: PolicyInput[];
      if (tracked.length > 0) {
        // What historyOf would say of the versions within the window before this one (each is judged alone).
        const history = o.lookbackMs > 0 ? recent.flatMap((x) => x.items) : undefined;
        inputs = tracked.map((c) => changeInput(c, history ? (firstHistory(c) ?? history) : undefined, at));
      } else inputs = current ? [resourceInput(current, at)] : [];
      if (inputs.length === 0) continue;
      for (const input of inputs) batch.inputs.push(inputJson(input, text));
      batch.versions.push({ id, revision, time: at, n: inputs.length });
      if (batch.inputs.length >= BATCH) await dispatch();
    }
  }
  await dispatch();
  await Promise.all(inFlight);
  o.onProgress?.(total, total);
}

/**
 * The versions of (from, to], resource by resource: `ids[r]`'s rows are `order[offsets[r]]` up to
 * `order[offsets[r + 1]]`, oldest first. A row is the version's revision, kind, generation and its
 * previous version's revision (0: none) and whether that one was a tombstone.
 */
function versionsOf(store: Store, from: number, to: number, type?: ResourceType) {
  const ids: string[] = [];
  const index = new Map<string, number>();
  const owner: number[] = [];
  const rev: number[] = [];
  const prev: number[] = [];
  const prevGone: boolean[] = [];
  const created: number[] = [];
  const kind: number[] = [];
  let inWindow = 0;
  let after = from;
  let limit = PAGE;
  for (;;) {
    const records = store.changesSince(after, type ? { type } : {}, limit);
    const full = records.length >= limit;
    // A full page may end inside a revision: that revision comes whole with the next page.
    const last = full ? (records[records.length - 1]?.current.revision.main ?? 0) : Number.POSITIVE_INFINITY;
    let taken = 0;
    for (const rec of records) {
      const main = rec.current.revision.main;
      if (main >= last || main > to) break;
      let r = index.get(rec.id);
      if (r === undefined) {
        r = ids.length;
        ids.push(rec.id);
        index.set(rec.id, r);
      }
      owner.push(r);
      rev.push(main);
      prev.push(rec.previous?.revision.main ?? 0);
      prevGone.push(rec.previous?.tombstone ?? false);
      created.push(rec.current.created);
      kind.push(KINDS.indexOf(rec.kind));
      if (main > from) inWindow++;
      taken++;
    }
    if (!full || last > to) break;
    if (taken === 0) {
      limit *= 2; // one revision larger than a page
      continue;
    }
    after = last - 1;
    limit = PAGE;
  }
  // Rows were gathered in revision order; a counting sort by resource keeps that order within each.
  const offsets = new Int32Array(ids.length + 1);
  for (const r of owner) (offsets[r + 1] as number)++;
  for (let r = 0; r < ids.length; r++) offsets[r + 1] = (offsets[r + 1] as number) + (offsets[r] as number);
  const fill = offsets.slice(0, ids.length);
  const order = new Int32Array(owner.length);
  for (let row = 0; row < owner.length; row++) {
    const r = owner[row] as number;
    order[fill[r] as number] = row;
    fill[r] = (fill[r] as number) + 1;
  }
  return { ids, offsets, order, rev, prev, prevGone, created, kind, inWindow };
}

/** Formatting a revision's time per version shows in profiles; versions share few revisions. */
function timeMemo(store: Store): (revision: number) => string {
  const cache = new Map<number, string>();
  return (revision) => {
    let t = cache.get(revision);
    if (t === undefined) {
      t = store.timeOf(revision) ?? '';
      cache.set(revision, t);
    }
    return t;
  };
}

/**
 * A version's document, with its JSON text kept in `text`: serialized once, it is this version's
 * `resource` and the next one's `previous` (one below the compaction point is read from there,
 * where it is kept).
 */
function readAt(store: Store, id: string, revision: number, text: WeakMap<object, string>): AnyResource | null {
  const doc = store.get(id, Math.max(revision, store.compactedAt))?.resource ?? null;
  if (doc) text.set(doc, JSON.stringify(doc));
  return doc;
}

/** An input as JSON text: what JSON.stringify(input) gives, with documents already serialized written as they are. */
export function inputJson(input: PolicyInput, text: WeakMap<object, string>): string {
  let out = '';
  for (const [k, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const known = value !== null && typeof value === 'object' ? text.get(value) : undefined;
    out += `${out ? ',' : '{'}${JSON.stringify(k)}:${known ?? JSON.stringify(value)}`;
  }
  return out ? `${out}}` : '{}';
}

/** The newest revision at or before `ms`; the compaction point when that is earlier. */
export function revisionAt(store: Store, ms: number): number {
  if (!Number.isFinite(ms)) return store.compactedAt;
  try {
    return store.resolve(new Date(ms));
  } catch (err) {
    if (err instanceof CompactedError) return store.compactedAt;
    throw err;
  }
}
