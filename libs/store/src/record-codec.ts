import type { AuditEntry, Scope, Tags } from '@elava/types';
import { FRAME_BYTES } from './format/record.js';

/** One version as written in a revision record. A tombstone has hash "" and length 0. */
export type VersionTuple = [
  id: string,
  sub: number,
  hash: string,
  len: number,
  created: number,
  ver: number,
  tags: Tags | null,
];

export interface RevisionMeta {
  /** main revision */
  m: number;
  /** commit time, epoch ms */
  t: number;
  /** batch id */
  b: string;
  s: Scope;
  /** the scan of this scope completed cleanly */
  c: boolean;
  /** observations in the batch, and how many were unchanged */
  n: number;
  u: number;
  /** Lengths of audit entries written atomically with this revision, after the documents. */
  a?: number[];
  /** When the scanner observed this page (epoch ms), if it said. */
  o?: number;
  v: VersionTuple[];
}

/**
 * Revision payload: u32 meta length, meta JSON, each new version's document in order, then the
 * audit entries written with it (their lengths in `meta.a`), so a revision and its audit trail
 * are one record: both or neither survive a crash.
 */
export function encodeRevision(
  meta: RevisionMeta,
  docs: Buffer[],
  audit: Buffer[] = [],
): { payload: Buffer; docStart: number } {
  const full = audit.length > 0 ? { ...meta, a: audit.map((b) => b.length) } : meta;
  const metaBuf = Buffer.from(JSON.stringify(full));
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32LE(metaBuf.length, 0);
  return { payload: Buffer.concat([head, metaBuf, ...docs, ...audit]), docStart: 4 + metaBuf.length };
}

/**
 * The same payload as `encodeRevision`, built straight into one record buffer (FRAME_BYTES free
 * at its start): the documents go from their strings to their place in the record with no
 * intermediate buffers. `docBytes` is the sum of the documents' UTF-8 lengths (as in `meta.v`).
 */
export function buildRevisionRecord(
  meta: RevisionMeta,
  docs: readonly string[],
  docBytes: number,
  audit: readonly Buffer[] = [],
  alloc: (bytes: number) => Buffer = Buffer.allocUnsafe,
): { record: Buffer; docStart: number } {
  const full = audit.length > 0 ? { ...meta, a: audit.map((b) => b.length) } : meta;
  const metaJson = JSON.stringify(full);
  const metaLen = Buffer.byteLength(metaJson);
  let auditBytes = 0;
  for (const b of audit) auditBytes += b.length;
  const record = alloc(FRAME_BYTES + 4 + metaLen + docBytes + auditBytes);
  record.writeUInt32LE(metaLen, FRAME_BYTES);
  let at = FRAME_BYTES + 4;
  at += record.write(metaJson, at, metaLen, 'utf8');
  for (const d of docs) at += record.write(d, at, 'utf8');
  for (const b of audit) at += b.copy(record, at);
  // A length that disagrees with the bytes would misplace every later document: refuse it.
  if (at !== record.length)
    throw new Error(`revision record is ${at - FRAME_BYTES} bytes, expected ${record.length - FRAME_BYTES}`);
  return { record, docStart: 4 + metaLen };
}

/** Where the audit entries of a revision record sit in its payload, and the entries themselves. */
export function revisionAudit(
  payload: Buffer,
  meta: RevisionMeta,
  docStart: number,
): { entries: AuditEntry[]; offsets: number[]; blobs: Buffer[] } {
  const entries: AuditEntry[] = [];
  const offsets: number[] = [];
  const blobs: Buffer[] = [];
  let at = docStart + meta.v.reduce((sum, t) => sum + t[3], 0);
  for (const len of meta.a ?? []) {
    const blob = payload.subarray(at, at + len);
    entries.push(JSON.parse(blob.toString('utf8')) as AuditEntry);
    offsets.push(at);
    blobs.push(blob);
    at += len;
  }
  return { entries, offsets, blobs };
}

export function decodeRevision(payload: Buffer): { meta: RevisionMeta; docStart: number } {
  const metaLen = payload.readUInt32LE(0);
  if (4 + metaLen > payload.length) throw new Error(`revision meta length ${metaLen} exceeds the record`);
  const meta = JSON.parse(payload.toString('utf8', 4, 4 + metaLen)) as RevisionMeta;
  return { meta, docStart: 4 + metaLen };
}

/**
 * Audit payload: u32 count, then per entry u32 length and the entry's JSON. Built as a record
 * (FRAME_BYTES free at its start); offsets are within the payload.
 */
/** A record of audit entries, each given as its JSON text (audit-chain.ts chainEntryText). */
export function buildAuditRecord(texts: string[]): { record: Buffer; offsets: number[]; lengths: number[] } {
  const bufs = texts.map((t) => Buffer.from(t));
  const record = Buffer.allocUnsafe(FRAME_BYTES + 4 + bufs.reduce((s, b) => s + 4 + b.length, 0));
  const payload = record.subarray(FRAME_BYTES);
  payload.writeUInt32LE(bufs.length, 0);
  const offsets: number[] = [];
  let at = 4;
  for (const b of bufs) {
    payload.writeUInt32LE(b.length, at);
    offsets.push(at + 4);
    b.copy(payload, at + 4);
    at += 4 + b.length;
  }
  return { record, offsets, lengths: bufs.map((b) => b.length) };
}

/** A payload as a record with FRAME_BYTES free at its start (small records only: it copies). */
export function asRecord(payload: Buffer): Buffer {
  const record = Buffer.allocUnsafe(FRAME_BYTES + payload.length);
  payload.copy(record, FRAME_BYTES);
  return record;
}

export function decodeAudit(payload: Buffer): { entries: AuditEntry[]; offsets: number[]; lengths: number[] } {
  const count = payload.readUInt32LE(0);
  const entries: AuditEntry[] = [];
  const offsets: number[] = [];
  const lengths: number[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    const len = payload.readUInt32LE(at);
    entries.push(JSON.parse(payload.toString('utf8', at + 4, at + 4 + len)) as AuditEntry);
    offsets.push(at + 4);
    lengths.push(len);
    at += 4 + len;
  }
  return { entries, offsets, lengths };
}

export interface CompactedMeta {
  rev: number;
}
