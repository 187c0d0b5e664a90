import { closeSync, fsyncSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c } from '@node-rs/crc32';

/**
 * Segment file header (32 bytes): magic "ELAVASEG", format version (u16), reserved (u16),
 * segment id (u32), first revision (f64), CRC32C of the preceding 24 bytes (u32), padding.
 */
export const SEGMENT_HEADER_BYTES = 32;
export const MAGIC = Buffer.from('ELAVASEG', 'ascii');
export const FORMAT_VERSION = 1;

export interface SegmentHeader {
  version: number;
  id: number;
  firstRevision: number;
}

export function segmentName(id: number): string {
  return `seg-${id.toString().padStart(10, '0')}.log`;
}

const NAME = /^seg-(\d{10})\.log$/;

export function listSegments(dir: string): number[] {
  return readdirSync(dir)
    .map((f) => NAME.exec(f)?.[1])
    .filter((m): m is string => m !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

export function encodeHeader(h: SegmentHeader): Buffer {
  const b = Buffer.alloc(SEGMENT_HEADER_BYTES);
  MAGIC.copy(b, 0);
  b.writeUInt16LE(h.version, 8);
  b.writeUInt32LE(h.id, 12);
  b.writeDoubleLE(h.firstRevision, 16);
  b.writeUInt32LE(crc32c(b.subarray(0, 24)), 24);
  return b;
}

export type HeaderResult = { ok: true; header: SegmentHeader } | { ok: false; reason: string };

export function decodeHeader(b: Buffer): HeaderResult {
  if (b.length < SEGMENT_HEADER_BYTES) return { ok: false, reason: 'segment header cut short' };
  if (!b.subarray(0, 8).equals(MAGIC)) return { ok: false, reason: 'not an Elava segment (bad magic)' };
  if (crc32c(b.subarray(0, 24)) !== b.readUInt32LE(24))
    return { ok: false, reason: 'segment header checksum mismatch' };
  const version = b.readUInt16LE(8);
  if (version !== FORMAT_VERSION) {
    return {
      ok: false,
      reason:
        version > FORMAT_VERSION
          ? `segment format ${version} is newer than this Elava reads (${FORMAT_VERSION}); upgrade Elava`
          : `segment format ${version} is no longer supported; this Elava reads format ${FORMAT_VERSION}`,
    };
  }
  return { ok: true, header: { version, id: b.readUInt32LE(12), firstRevision: b.readDoubleLE(16) } };
}

/** Makes a directory entry durable: a new or renamed file is not safe until its directory is synced. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates a segment with its header, durable (file and directory) before it is used. When a call
 * fails (a full disk), the half-made file is removed again, so the log looks as it did.
 */
export function createSegment(dir: string, id: number, firstRevision: number): number {
  const path = join(dir, segmentName(id));
  const fd = openSync(path, 'wx+');
  try {
    writeSync(fd, encodeHeader({ version: FORMAT_VERSION, id, firstRevision }));
    fsyncSync(fd);
    fsyncDir(dir);
    return fd;
  } catch (err) {
    try {
      closeSync(fd);
      rmSync(path, { force: true });
    } catch {
      // a segment shorter than its header is a torn tail to recovery anyway
    }
    throw err;
  }
}
