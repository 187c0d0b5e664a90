import {
  closeSync,
  existsSync,
  fsync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { removeCheckpoint } from './checkpoint.js';
import { FRAME_BYTES, frame, RecordType } from './format/record.js';
import { encodeHeader, FORMAT_VERSION, fsyncDir, SEGMENT_HEADER_BYTES, segmentName } from './format/segment.js';
import { decodeAudit, decodeRevision, encodeRevision, revisionAudit, type VersionTuple } from './record-codec.js';
import { segmentRecords } from './replay.js';
import type { SegmentFiles } from './segment-files.js';
import type { StoreState } from './state.js';

const MANIFEST = 'COMPACTION.json';
/** fsync on libuv's threads: a 64 MiB output's flush must not stop the writer. */
const fsyncAsync = promisify(fsync);
/** How long the compaction works before it lets the writer and readers run. */
const SLICE_MS = 8;

interface Manifest {
  rev: number;
  /** Each finished output file and the segment id it becomes. */
  outputs: { tmp: string; id: number }[];
  /** Input segments not reused by an output: removed. */
  remove: number[];
}

export interface CompactionReport {
  revision: number;
  segmentsBefore: number;
  segmentsAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  ms: number;
}

/**
 * Completes a compaction that crashed after its manifest was durable (roll forward). Without a
 * manifest, any half-written output is a `.tmp` file that open removes: the old segments stand.
 */
export function finishCompaction(dir: string): boolean {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) return false;
  applyManifest(dir, JSON.parse(readFileSync(path, 'utf8')) as Manifest);
  return true;
}

function applyManifest(dir: string, m: Manifest): void {
  removeCheckpoint(dir);
  for (const o of m.outputs) {
    const tmp = join(dir, o.tmp);
    if (existsSync(tmp)) renameSync(tmp, join(dir, segmentName(o.id)));
  }
  for (const id of m.remove) rmSync(join(dir, segmentName(id)), { force: true });
  fsyncDir(dir);
  rmSync(join(dir, MANIFEST), { force: true });
  fsyncDir(dir);
}

interface Output {
  tmp: string;
  fd: number;
  size: number;
}

/**
 * Rewrites every sealed segment (all before the active one), keeping the versions the index
 * still holds and every audit entry, then swaps the new files in through a manifest. Writes go
 * on meanwhile: they only ever touch the active segment.
 */
export async function runCompaction(ctx: {
  dir: string;
  state: StoreState;
  files: SegmentFiles;
  segmentBytes: number;
  activeSegment: number;
}): Promise<CompactionReport> {
  const started = Date.now();
  const { dir, state, segmentBytes } = ctx;
  const sealed: number[] = [];
  for (let id = ctx.activeSegment - 1; id >= 1 && existsSync(join(dir, segmentName(id))); id--) sealed.unshift(id);
  const bytesBefore = sealed.reduce((s, id) => s + statSync(join(dir, segmentName(id))).size, 0);
  // The writer shares this thread: it gets the event loop back every few milliseconds of work, not
  // once a segment (a 64 MiB segment is a third of a second, which every batch meanwhile waited).
  let slice = performance.now();
  const breathe = async () => {
    if (performance.now() - slice < SLICE_MS) return;
    await new Promise((r) => setImmediate(r));
    slice = performance.now();
  };

  const outputs: Output[] = [];
  const moves: { row: number; out: number; off: number }[] = [];
  const auditMoves: { seq: number; out: number; off: number; len: number }[] = [];
  const open = () => {
    const tmp = `compact-${outputs.length}.tmp`;
    const fd = openSync(join(dir, tmp), 'w');
    outputs.push({ tmp, fd, size: 0 });
    return outputs[outputs.length - 1] as Output;
  };
  const write = (type: RecordType, payload: Buffer): number => {
    let out = outputs[outputs.length - 1];
    if (!out || (out.size > SEGMENT_HEADER_BYTES && out.size + FRAME_BYTES + payload.length > segmentBytes)) {
      out = open();
      writeSync(out.fd, encodeHeader({ version: FORMAT_VERSION, id: 0, firstRevision: 0 }));
      out.size = SEGMENT_HEADER_BYTES;
    }
    const at = out.size + FRAME_BYTES;
    writeSync(out.fd, frame(type, payload));
    out.size += FRAME_BYTES + payload.length;
    return at;
  };

  // Outputs end at the last sealed id, so they stay contiguous with the active segment; should
  // packing ever need more files than it read, they extend below the first sealed id (free).
  const last = sealed[sealed.length - 1] ?? 0;
  const idOf = (out: number) => last - outputs.length + 1 + out;
  try {
    for (const id of sealed) {
      // Read off the thread, then checked record by record, so neither holds the writer up for long.
      const name = segmentName(id);
      for (const r of segmentRecords(await readFile(join(dir, name)), name)) {
        if (r.type === RecordType.Revision) {
          const { meta, docStart } = decodeRevision(r.payload);
          const kept: VersionTuple[] = [];
          const docs: Buffer[] = [];
          const rows: number[] = [];
          let off = docStart;
          for (const t of meta.v) {
            const len = t[3];
            const row = state.tree
              .get(t[0])
              ?.rows.find((x) => state.table.main[x] === meta.m && state.table.sub[x] === t[1]);
            if (row !== undefined) {
              kept.push(t);
              docs.push(r.payload.subarray(off, off + len));
              rows.push(row);
            }
            off += len;
          }
          // Audit entries committed with the revision stay with it, untouched.
          const audit = revisionAudit(r.payload, meta, docStart);
          const { a: _lengths, ...rest } = meta;
          const enc = encodeRevision({ ...rest, v: kept }, docs, audit.blobs);
          const at = write(RecordType.Revision, enc.payload);
          let docOff = at + enc.docStart;
          for (const [i, row] of rows.entries()) {
            moves.push({ row, out: outputs.length - 1, off: docOff });
            docOff += (kept[i] as VersionTuple)[3];
          }
          for (const [i, e] of audit.entries.entries()) {
            const len = (audit.blobs[i] as Buffer).length;
            auditMoves.push({ seq: e.seq, out: outputs.length - 1, off: docOff, len });
            docOff += len;
          }
        } else if (r.type === RecordType.Compacted) {
          // Markers stay where they were: replayed after the revisions before them, they leave
          // the same index as the live store has. (A new marker up front could make the output
          // larger than the input.)
          write(RecordType.Compacted, r.payload);
        } else if (r.type === RecordType.Audit) {
          const at = write(RecordType.Audit, r.payload);
          const { entries, offsets, lengths } = decodeAudit(r.payload);
          for (const [i, e] of entries.entries()) {
            auditMoves.push({
              seq: e.seq,
              out: outputs.length - 1,
              off: at + (offsets[i] as number),
              len: lengths[i] as number,
            });
          }
        }
        await breathe();
      }
    }
    if (last - outputs.length + 1 < 1)
      throw new Error('compaction output needs more segment ids than exist; kept the old segments');
    for (const [i, o] of outputs.entries()) {
      // Outputs take the ids of the last inputs, in order, so they stay contiguous with the active segment.
      writeSync(
        o.fd,
        encodeHeader({ version: FORMAT_VERSION, id: idOf(i), firstRevision: 0 }),
        0,
        SEGMENT_HEADER_BYTES,
        0,
      );
      await fsyncAsync(o.fd);
      closeSync(o.fd);
    }
  } catch (err) {
    for (const o of outputs) {
      try {
        closeSync(o.fd);
      } catch {}
      rmSync(join(dir, o.tmp), { force: true });
    }
    throw err;
  }
  fsyncDir(dir);

  const manifest: Manifest = {
    rev: state.compactedAt,
    outputs: outputs.map((o, i) => ({ tmp: o.tmp, id: idOf(i) })),
    remove: sealed.filter((id) => id < last - outputs.length + 1),
  };
  // Written aside and renamed into place: a crash mid-write leaves a `.tmp` that open removes (the
  // old segments stand), never a half manifest that open cannot read (the crash test found one).
  const mtmp = join(dir, `${MANIFEST}.tmp`);
  writeFileSync(mtmp, JSON.stringify(manifest));
  const mfd = openSync(mtmp, 'r');
  fsyncSync(mfd);
  closeSync(mfd);
  renameSync(mtmp, join(dir, MANIFEST));
  fsyncDir(dir);
  // From here the swap is synchronous: no read can land between the rename and the new offsets.
  applyManifest(dir, manifest);
  for (const id of sealed) ctx.files.drop(id);
  for (const m of moves) {
    state.table.seg[m.row] = idOf(m.out);
    state.table.off[m.row] = m.off;
  }
  for (const m of auditMoves) state.audit.place(m.seq, idOf(m.out), m.off, m.len);

  return {
    revision: state.compactedAt,
    segmentsBefore: sealed.length,
    segmentsAfter: outputs.length,
    bytesBefore,
    bytesAfter: outputs.reduce((s, o) => s + o.size, 0),
    ms: Date.now() - started,
  };
}
