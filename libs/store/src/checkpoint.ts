import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { Tags } from '@elava/types';
import { crc32c } from '@node-rs/crc32';
import { fsyncDir } from './format/segment.js';
import { pushTo } from './multimap.js';
import { RevisionClock } from './revision-clock.js';
import { type ScopeState, StoreState } from './state.js';
import type { KeyLabeler } from './tree-index.js';
import { HASH_BYTES } from './version-table.js';

export const CHECKPOINT_FILE = 'index.ckpt';
const MAGIC = Buffer.from('ELAVACKP', 'ascii');
const VERSION = 3;

/** The version table's columns go out as they are; rows are renumbered densely in key order. */
interface Snapshot {
  v: number;
  pos: { seg: number; off: number };
  compactedAt: number;
  clock: { base: number; times: Float64Array };
  ids: string[];
  counts: Int32Array;
  main: Int32Array;
  sub: Int32Array;
  seg: Int32Array;
  off: Float64Array;
  len: Int32Array;
  created: Int32Array;
  ver: Int32Array;
  tomb: Uint8Array;
  hash: Uint8Array;
  /** Shared tag objects stay shared: the serializer keeps object identity. */
  tags: (Tags | null)[];
  scopes: ScopeState[];
  batches: [string, number][];
  revisions: [number, string, string, number, number][];
  audit: {
    seg: number[];
    off: number[];
    len: number[];
    time: number[];
    resource: string[];
    type: number[];
    lastHash: string;
    keys: [string, number][];
  };
}

export function writeCheckpoint(dir: string, state: StoreState, pos: { seg: number; off: number }): number {
  // Rows go out densely in key order, gathered without touching the live table.
  const t = state.table;
  const ids: string[] = [];
  const counts: number[] = [];
  const order: number[] = [];
  for (const ki of state.tree.all()) {
    ids.push(ki.id);
    counts.push(ki.rows.length);
    for (const r of ki.rows) order.push(r);
  }
  const n = order.length;
  const gather = <T extends Int32Array | Float64Array | Uint8Array>(col: T, make: new (n: number) => T): T => {
    const out = new make(n);
    for (let i = 0; i < n; i++) out[i] = col[order[i] as number] as number;
    return out;
  };
  const hash = new Uint8Array(n * HASH_BYTES);
  for (let i = 0; i < n; i++) {
    const r = order[i] as number;
    hash.set(t.hash.subarray(r * HASH_BYTES, (r + 1) * HASH_BYTES), i * HASH_BYTES);
  }
  const snap: Snapshot = {
    v: VERSION,
    pos,
    compactedAt: state.compactedAt,
    clock: state.clock.snapshot(),
    ids,
    counts: Int32Array.from(counts),
    main: gather(t.main, Int32Array),
    sub: gather(t.sub, Int32Array),
    seg: gather(t.seg, Int32Array),
    off: gather(t.off, Float64Array),
    len: gather(t.len, Int32Array),
    created: gather(t.created, Int32Array),
    ver: gather(t.ver, Int32Array),
    tomb: gather(t.tomb, Uint8Array),
    hash,
    tags: order.map((r) => t.tags[r] ?? null),
    scopes: [...state.scopes.values()],
    batches: [...state.batches.entries()],
    revisions: [...state.revisions.entries()].map(([m, r]) => [m, r.batch, r.scope, r.observed, r.unchanged]),
    audit: {
      seg: state.audit.seg,
      off: state.audit.off,
      len: state.audit.len,
      time: state.audit.time,
      resource: state.audit.resource,
      type: state.audit.type,
      lastHash: state.audit.lastHash,
      keys: [...state.audit.keys.entries()],
    },
  };
  const body = serialize(snap);
  const head = Buffer.alloc(12);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(crc32c(body), 8);
  const tmp = join(dir, `${CHECKPOINT_FILE}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, head);
    writeSync(fd, body);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, CHECKPOINT_FILE));
  fsyncDir(dir);
  return head.length + body.length;
}

export type CheckpointLoad =
  | { ok: true; state: StoreState; pos: { seg: number; off: number } }
  | { ok: false; reason: string | null };

/** Reads the checkpoint; a damaged one is reported and ignored (the log alone is the truth). */
export function readCheckpoint(dir: string, labels: KeyLabeler): CheckpointLoad {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) return { ok: false, reason: null };
  const buf = readFileSync(path);
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) return { ok: false, reason: 'checkpoint header damaged' };
  const body = buf.subarray(12);
  if (crc32c(body) !== buf.readUInt32LE(8))
    return { ok: false, reason: 'checkpoint checksum mismatch (truncated or damaged)' };
  let snap: Snapshot;
  try {
    snap = deserialize(body) as Snapshot;
  } catch (err) {
    return { ok: false, reason: `checkpoint unreadable: ${(err as Error).message}` };
  }
  if (snap.v !== VERSION) return { ok: false, reason: `checkpoint format ${snap.v} is not ${VERSION}` };
  return { ok: true, state: restore(snap, labels), pos: snap.pos };
}

function restore(s: Snapshot, labels: KeyLabeler): StoreState {
  const state = new StoreState(labels);
  state.clock = RevisionClock.restore(s.clock);
  state.compactedAt = s.compactedAt;
  const t = state.table;
  const n = s.main.length;
  t.resize(Math.max(1024, n));
  t.main.set(s.main);
  t.sub.set(s.sub);
  t.seg.set(s.seg);
  t.off.set(s.off);
  t.len.set(s.len);
  t.created.set(s.created);
  t.ver.set(s.ver);
  t.tomb.set(s.tomb);
  t.hash.set(s.hash);
  t.tags = s.tags.map((x) => (x ? Object.freeze(x) : null));
  t.size = n;
  const byMain = new Map<number, number[]>();
  let row = 0;
  for (let k = 0; k < s.ids.length; k++) {
    const ki = state.tree.getOrCreate(s.ids[k] as string);
    const count = s.counts[k] as number;
    let prevTags: Tags | null = null;
    for (let j = 0; j < count; j++, row++) {
      t.owner[row] = ki;
      ki.append(row);
      const tags = t.tags[row] ?? null;
      if (tags !== prevTags) state.tree.indexTags(ki, tags, prevTags);
      prevTags = tags;
      pushTo(byMain, t.main[row] as number, row);
    }
  }
  state.versions = row;
  for (const sc of s.scopes) state.scopes.set(sc.key, sc);
  for (const [b, m] of s.batches) state.batches.set(b, m);
  for (const [m, batch, scope, observed, unchanged] of s.revisions) {
    const rows = (byMain.get(m) ?? []).sort((a, b) => (t.sub[a] as number) - (t.sub[b] as number));
    state.revisions.set(m, { batch, scope, observed, unchanged, rows });
  }
  const a = state.audit;
  a.seg = s.audit.seg;
  a.off = s.audit.off;
  a.len = s.audit.len;
  a.time = s.audit.time;
  a.resource = s.audit.resource;
  a.type = s.audit.type;
  a.lastHash = s.audit.lastHash;
  for (const [k, q] of s.audit.keys) a.keys.set(k, q);
  for (let q = 0; q < a.resource.length; q++) {
    const r = a.resource[q];
    if (r) pushTo(a.byResource, r, q + 1);
  }
  return state;
}

export function removeCheckpoint(dir: string): void {
  rmSync(join(dir, CHECKPOINT_FILE), { force: true });
}
