import { closeSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_ENTRY_TYPES, type AuditEntryType } from '@elava/types';
import { readCheckpoint, removeCheckpoint } from './checkpoint.js';
import { writeFailure } from './errors.js';
import { RecordType } from './format/record.js';
import { createSegment, SEGMENT_HEADER_BYTES, segmentName } from './format/segment.js';
import { datasync, writeAllAt } from './log-io.js';
import { decodeAudit, decodeRevision, revisionAudit } from './record-codec.js';
import { replay, type TornTail } from './replay.js';
import { StoreState } from './state.js';
import type { KeyLabeler } from './tree-index.js';

/** What `resume` writes to see that the directory takes writes again (a `.tmp`: open removes a leftover one). */
const PROBE_FILE = 'write-probe.tmp';

export const auditTypeCode = (t: AuditEntryType): number => AUDIT_ENTRY_TYPES.indexOf(t);

export interface Recovered {
  state: StoreState;
  end: { seg: number; off: number };
  torn: TornTail | null;
  replayed: number;
  checkpoint: 'loaded' | 'absent' | `ignored: ${string}`;
}

/** Builds the state from the checkpoint and the log; a checkpoint that disagrees with the log is dropped. */
export function recover(dir: string, labels: KeyLabeler): Recovered {
  const ckpt = readCheckpoint(dir, labels);
  const attempt = (state: StoreState, from?: { seg: number; off: number }) => {
    const result = replay(dir, { from, truncateTornTail: true }, (r) => {
      if (r.type === RecordType.Revision) {
        const { meta, docStart } = decodeRevision(r.payload);
        state.place(state.applyRevision(meta), r.seg, r.payloadOffset + docStart);
        if (meta.a) {
          const { entries, offsets } = revisionAudit(r.payload, meta, docStart);
          for (const [i, e] of entries.entries()) {
            state.audit.add(e.seq, e.resource_id, Date.parse(e.time), e.hash, auditTypeCode(e.type), e.key);
            state.audit.place(e.seq, r.seg, r.payloadOffset + (offsets[i] as number), meta.a[i] as number);
          }
        }
      } else if (r.type === RecordType.Audit) {
        const { entries, offsets, lengths } = decodeAudit(r.payload);
        for (const [i, e] of entries.entries()) {
          state.audit.add(e.seq, e.resource_id, Date.parse(e.time), e.hash, auditTypeCode(e.type), e.key);
          state.audit.place(e.seq, r.seg, r.payloadOffset + (offsets[i] as number), lengths[i] as number);
        }
      } else if (r.type === RecordType.Compacted) {
        state.applyCompaction((JSON.parse(r.payload.toString('utf8')) as { rev: number }).rev);
      }
    });
    return { state, end: result.end, torn: result.torn, replayed: result.records };
  };
  if (ckpt.ok) {
    try {
      return { ...attempt(ckpt.state, ckpt.pos), checkpoint: 'loaded' };
    } catch (err) {
      removeCheckpoint(dir);
      return { ...attempt(new StoreState(labels)), checkpoint: `ignored: ${(err as Error).message}` };
    }
  }
  return {
    ...attempt(new StoreState(labels)),
    checkpoint: ckpt.reason === null ? 'absent' : `ignored: ${ckpt.reason}`,
  };
}

/** Where the writer goes on after recovery: the end of the last segment, or a fresh one. */
export function openLogEnd(
  dir: string,
  state: StoreState,
  end: { seg: number; off: number },
  torn: TornTail | null,
): { seg: number; fd: number; size: number } {
  if (end.seg === 0 || (torn && torn.offset === 0)) {
    const seg = end.seg === 0 ? 1 : end.seg;
    rmSync(join(dir, segmentName(seg)), { force: true });
    return { seg, fd: createSegment(dir, seg, state.lastRevision + 1), size: SEGMENT_HEADER_BYTES };
  }
  return { seg: end.seg, fd: openSync(join(dir, segmentName(end.seg)), 'r+'), size: end.off };
}

/**
 * A real write and fdatasync of `bytes` in the data directory (removed again), through the same
 * calls as the log: does the directory take writes again? Throws what the log's write would.
 */
export async function probeWrite(dir: string, bytes: number): Promise<void> {
  const path = join(dir, PROBE_FILE);
  let fd = -1;
  try {
    fd = openSync(path, 'w');
    await writeAllAt(fd, [Buffer.alloc(bytes)], 0);
    await datasync(fd);
  } catch (err) {
    throw writeFailure(err, dir);
  } finally {
    try {
      if (fd >= 0) closeSync(fd);
      rmSync(path, { force: true });
    } catch {
      // a read-only directory refuses the unlink too; open removes a leftover `.tmp`
    }
  }
}
