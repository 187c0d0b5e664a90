import { crc32c } from '@node-rs/crc32';

/**
 * A framed record: length (u32, payload bytes), type (u8), CRC32C (u32, over type and payload),
 * then the payload. Records never span segments.
 */
export const FRAME_BYTES = 9;
/** Past this a length field is damage, not data: a bad length must never make replay loop or allocate wildly. */
export const MAX_RECORD_BYTES = 512 * 1024 * 1024;

export const RecordType = {
  /** One committed revision: scan metadata, new versions and tombstones. */
  Revision: 1,
  /** Audit entries, hash-chained. */
  Audit: 2,
  /** Written first in a compacted segment: reads below this revision are refused. */
  Compacted: 3,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

export function frame(type: RecordType, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_BYTES + payload.length);
  payload.copy(out, FRAME_BYTES);
  return seal(type, out);
}

/**
 * Fills in the frame header of a record built with FRAME_BYTES left free at its start, so the
 * payload is never copied just to be framed (a revision is a megabyte; copies showed in profiles).
 */
export function seal(type: RecordType, record: Buffer): Buffer {
  const payload = record.subarray(FRAME_BYTES);
  record.writeUInt32LE(payload.length, 0);
  record.writeUInt8(type, 4);
  record.writeUInt32LE(checksum(type, payload), 5);
  return record;
}

const TYPE_CRC = [0, 1, 2, 3].map((t) => crc32c(Buffer.of(t)));

export function checksum(type: number, payload: Buffer): number {
  return crc32c(payload, TYPE_CRC[type] ?? crc32c(Buffer.of(type)));
}

export type DecodeResult =
  | { ok: true; type: RecordType; payload: Buffer; next: number }
  /** The file ends inside this record: a torn write, if it is at the end of the last segment. */
  | { ok: false; kind: 'short'; reason: string }
  | { ok: false; kind: 'bad'; reason: string };

/** Decodes the record at `offset` of `buf` (which holds the file from its start). */
export function decodeAt(buf: Buffer, offset: number): DecodeResult {
  if (offset + FRAME_BYTES > buf.length) return { ok: false, kind: 'short', reason: 'frame header cut short' };
  const length = buf.readUInt32LE(offset);
  const type = buf.readUInt8(offset + 4);
  const crc = buf.readUInt32LE(offset + 5);
  if (length > MAX_RECORD_BYTES)
    return { ok: false, kind: 'bad', reason: `record length ${length} exceeds the maximum` };
  if (offset + FRAME_BYTES + length > buf.length) {
    return {
      ok: false,
      kind: 'short',
      reason: `record of ${length} bytes cut short at ${buf.length - offset - FRAME_BYTES}`,
    };
  }
  if (type < RecordType.Revision || type > RecordType.Compacted) {
    return { ok: false, kind: 'bad', reason: `unknown record type ${type}` };
  }
  const payload = buf.subarray(offset + FRAME_BYTES, offset + FRAME_BYTES + length);
  if (checksum(type, payload) !== crc) return { ok: false, kind: 'bad', reason: 'checksum mismatch' };
  return { ok: true, type: type as RecordType, payload, next: offset + FRAME_BYTES + length };
}
