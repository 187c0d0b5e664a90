import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptionError } from './errors.js';
import { decodeAt, FRAME_BYTES, type RecordType } from './format/record.js';
import { decodeHeader, listSegments, SEGMENT_HEADER_BYTES, segmentName } from './format/segment.js';

export interface RecordVisit {
  seg: number;
  /** File offset of the frame. */
  offset: number;
  type: RecordType;
  payload: Buffer;
  /** File offset of the payload's first byte. */
  payloadOffset: number;
}

export interface TornTail {
  segment: string;
  offset: number;
  bytes: number;
  reason: string;
}

export interface ReplayResult {
  /** Where the next record goes. */
  end: { seg: number; off: number };
  torn: TornTail | null;
  records: number;
}

export interface ReplayOptions {
  from?: { seg: number; off: number };
  /** Truncate a torn tail (recovery) or only report it (check). */
  truncateTornTail: boolean;
}

/**
 * Reads every record from `from` to the end, in order. A record cut short, or damaged and
 * reaching the end of the last segment, is a torn write: it is truncated and reported. Any other
 * damage stops with a CorruptionError naming the segment and offset; nothing is guessed.
 */
export function replay(dir: string, opts: ReplayOptions, visit: (r: RecordVisit) => void): ReplayResult {
  const ids = listSegments(dir);
  const from = opts.from;
  let torn: TornTail | null = null;
  let records = 0;
  if (ids.length === 0) return { end: { seg: 0, off: 0 }, torn, records };
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] !== (ids[i - 1] as number) + 1) {
      throw new CorruptionError(segmentName((ids[i - 1] as number) + 1), 0, 'segment missing from the sequence');
    }
  }
  if (from && !ids.includes(from.seg)) {
    throw new CorruptionError(segmentName(from.seg), from.off, 'the checkpoint names a segment that is not there');
  }
  let end = { seg: ids[0] as number, off: SEGMENT_HEADER_BYTES };
  for (const id of ids) {
    if (from && id < from.seg) continue;
    const name = segmentName(id);
    const path = join(dir, name);
    const buf = readFileSync(path);
    const last = id === ids[ids.length - 1];
    const header = decodeHeader(buf);
    if (!header.ok) {
      if (last && buf.length < SEGMENT_HEADER_BYTES) {
        // Created but its header never reached the disk: nothing was ever acknowledged in it.
        torn = { segment: name, offset: 0, bytes: buf.length, reason: header.reason };
        if (opts.truncateTornTail) rewriteEmpty(path);
        end = { seg: id, off: SEGMENT_HEADER_BYTES };
        break;
      }
      throw new CorruptionError(name, 0, header.reason);
    }
    if (header.header.id !== id) throw new CorruptionError(name, 0, `header says segment ${header.header.id}`);
    let off = from && id === from.seg ? from.off : SEGMENT_HEADER_BYTES;
    if (off > buf.length) throw new CorruptionError(name, off, 'the checkpoint points past the end of the segment');
    while (off < buf.length) {
      const r = decodeAt(buf, off);
      if (!r.ok) {
        const claimed = off + FRAME_BYTES + (off + 4 <= buf.length ? buf.readUInt32LE(off) : 0);
        const reachesEnd = r.kind === 'short' || claimed >= buf.length;
        if (last && reachesEnd) {
          torn = { segment: name, offset: off, bytes: buf.length - off, reason: r.reason };
          if (opts.truncateTornTail) truncate(path, off);
          break;
        }
        throw new CorruptionError(name, off, r.reason);
      }
      visit({ seg: id, offset: off, type: r.type, payload: r.payload, payloadOffset: off + FRAME_BYTES });
      records++;
      off = r.next;
    }
    end = { seg: id, off: Math.min(off, buf.length) };
  }
  return { end, torn, records };
}

function truncate(path: string, size: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, size);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function rewriteEmpty(path: string): void {
  if (existsSync(path) && statSync(path).size > 0) truncate(path, 0);
}

/**
 * Every record of one segment's bytes, each checked as it is reached, so a caller can pause between
 * them; any damage is an error (compaction never guesses).
 */
export function* segmentRecords(buf: Buffer, name: string): Generator<{ type: RecordType; payload: Buffer }> {
  const header = decodeHeader(buf);
  if (!header.ok) throw new CorruptionError(name, 0, header.reason);
  let off = SEGMENT_HEADER_BYTES;
  while (off < buf.length) {
    const r = decodeAt(buf, off);
    if (!r.ok) throw new CorruptionError(name, off, r.reason);
    yield { type: r.type, payload: r.payload };
    off = r.next;
  }
}
