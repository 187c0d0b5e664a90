import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { Tags } from '@elava/types';
import { crc32c } from '@node-rs/crc32';
import { fsyncDir } from './format/segment.js';
import type { KeyIndex, VersionRef } from './key-index.js';
import { pushTo } from './multimap.js';
import { RevisionClock } from './revision-clock.js';
import { type ScopeState, StoreState } from './state.js';

export const CHECKPOINT_FILE = 'index.ckpt';
const MAGIC = Buffer.from('ELAVACKP', 'ascii');
const VERSION = 1;

/** The index in columns: typed arrays serialize fast and small, 1M versions in well under a second. */
interface Snapshot {
  v: number;
  pos: { seg: number; off: number };
  compactedAt: number;
  clock: { base: number; times: Float64Array };
  ids: string[];
  counts: Uint32Array;
  main: Float64Array;
  sub: Uint32Array;
  seg: Int32Array;
  off: Float64Array;
  len: Uint32Array;
  created: Float64Array;
  ver: Uint32Array;
  hash: string[];
  tagRef: Int32Array;
  tagTable: Tags[];
  scopes: ScopeState[];
  batches: [string, number][];
  revisions: [number, string, string, number, number][];
  audit: { seg: number[]; off: number[]; len: number[]; time: number[]; resource: string[]; lastHash: string };
}

export function writeCheckpoint(dir: string, state: StoreState, pos: { seg: number; off: number }): number {
  const n = state.versions;
  const cols = {
    main: new Float64Array(n),
    sub: new Uint32Array(n),
    seg: new Int32Array(n),
    off: new Float64Array(n),
    len: new Uint32Array(n),
    created: new Float64Array(n),
    ver: new Uint32Array(n),
    tagRef: new Int32Array(n),
  };
  const hashes: string[] = new Array(n);
  const ids: string[] = [];
  const counts: number[] = [];
  const tagTable: Tags[] = [];
  const tagIndex = new Map<Tags, number>();
  let i = 0;
  for (const ki of state.tree.all()) {
    ids.push(ki.id);
    counts.push(ki.versions.length);
    for (const v of ki.versions) {
      cols.main[i] = v.main;
      cols.sub[i] = v.sub;
      cols.seg[i] = v.seg;
      cols.off[i] = v.off;
      cols.len[i] = v.len;
      cols.created[i] = v.created;
      cols.ver[i] = v.ver;
      hashes[i] = v.hash;
      let ref = -1;
      if (v.tags) {
        ref = tagIndex.get(v.tags) ?? -1;
        if (ref < 0) {
          ref = tagTable.push(v.tags) - 1;
          tagIndex.set(v.tags, ref);
        }
      }
      cols.tagRef[i] = ref;
      i++;
    }
  }
  const snap: Snapshot = {
    v: VERSION,
    pos,
    compactedAt: state.compactedAt,
    clock: state.clock.snapshot(),
    ids,
    counts: Uint32Array.from(counts),
    ...cols,
    hash: hashes,
    tagTable,
    scopes: [...state.scopes.values()],
    batches: [...state.batches.entries()],
    revisions: [...state.revisions.entries()].map(([m, r]) => [m, r.batch, r.scope, r.observed, r.unchanged]),
    audit: {
      seg: state.audit.seg,
      off: state.audit.off,
      len: state.audit.len,
      time: state.audit.time,
      resource: state.audit.resource,
      lastHash: state.audit.lastHash,
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
export function readCheckpoint(dir: string): CheckpointLoad {
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
  return { ok: true, state: restore(snap), pos: snap.pos };
}

function restore(s: Snapshot): StoreState {
  const state = new StoreState();
  state.clock = RevisionClock.restore(s.clock);
  state.compactedAt = s.compactedAt;
  const interned = s.tagTable.map((t) => state.intern(t));
  const byMain = new Map<number, { ki: KeyIndex; v: VersionRef }[]>();
  let i = 0;
  for (let k = 0; k < s.ids.length; k++) {
    const ki = state.tree.getOrCreate(s.ids[k] as string);
    const count = s.counts[k] as number;
    for (let j = 0; j < count; j++, i++) {
      const ref = s.tagRef[i] as number;
      const v: VersionRef = {
        main: s.main[i] as number,
        sub: s.sub[i] as number,
        seg: s.seg[i] as number,
        off: s.off[i] as number,
        len: s.len[i] as number,
        hash: s.hash[i] as string,
        created: s.created[i] as number,
        ver: s.ver[i] as number,
        tags: ref < 0 ? null : (interned[ref] ?? null),
      };
      ki.append(v);
      state.tree.indexTags(ki, v.tags);
      pushTo(byMain, v.main, { ki, v });
    }
  }
  state.versions = i;
  for (const sc of s.scopes) state.scopes.set(sc.key, sc);
  for (const [b, m] of s.batches) state.batches.set(b, m);
  for (const [m, batch, scope, observed, unchanged] of s.revisions) {
    const written = (byMain.get(m) ?? []).sort((a, b) => a.v.sub - b.v.sub);
    state.revisions.set(m, { batch, scope, observed, unchanged, written });
  }
  const a = state.audit;
  a.seg = s.audit.seg;
  a.off = s.audit.off;
  a.len = s.audit.len;
  a.time = s.audit.time;
  a.resource = s.audit.resource;
  a.lastHash = s.audit.lastHash;
  for (let q = 0; q < a.resource.length; q++) {
    const r = a.resource[q];
    if (r) pushTo(a.byResource, r, q + 1);
  }
  return state;
}

export function removeCheckpoint(dir: string): void {
  rmSync(join(dir, CHECKPOINT_FILE), { force: true });
}
