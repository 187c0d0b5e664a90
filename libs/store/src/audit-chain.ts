import { hash } from 'node:crypto';
import type { AuditEntry, AuditEntryDraft } from '@elava/types';
import { canonicalJson } from './canonical.js';

export const GENESIS_HASH = '0'.repeat(64);

/** sha256 over the previous hash and the canonical entry without its own hash. */
export function auditHash(entry: Omit<AuditEntry, 'hash'>): string {
  return hash('sha256', entry.prev_hash + canonicalJson(entry), 'hex');
}

/** An entry and its JSON text as stored and published. */
export interface ChainedEntry {
  entry: AuditEntry;
  text: string;
}

/**
 * Turns a draft into the next entry of the chain, with its text: the canonical text its hash was
 * made from, with the hash added last. The entry's one serialization serves the hash, the record
 * and (read back raw) the WAL, where a changes_detected entry of a first scan's page runs to
 * 150 KB and was serialized three times.
 */
export function chainEntryText(draft: AuditEntryDraft, seq: number, prevHash: string, now: number): ChainedEntry {
  const body: Omit<AuditEntry, 'hash'> = {
    seq,
    type: draft.type,
    time: draft.time ?? new Date(now).toISOString(),
    resource_id: draft.resource_id ?? '',
    ...(draft.revision !== undefined ? { revision: draft.revision } : {}),
    data: draft.data ?? {},
    ...(draft.key !== undefined ? { key: draft.key } : {}),
    prev_hash: prevHash,
  };
  const canonical = canonicalJson(body);
  const h = hash('sha256', prevHash + canonical, 'hex');
  return { entry: { ...body, hash: h }, text: `${canonical.slice(0, -1)},"hash":"${h}"}` };
}

/** Turns a draft into the next entry of the chain (the entry alone). */
export function chainEntry(draft: AuditEntryDraft, seq: number, prevHash: string, now: number): AuditEntry {
  return chainEntryText(draft, seq, prevHash, now).entry;
}

export type AuditVerification =
  | { ok: true; entries: number; lastHash: string }
  | { ok: false; entries: number; seq: number; reason: string };

/** Checks sequence, links and hashes of entries given in order. */
export function verifyChain(entries: Iterable<AuditEntry>): AuditVerification {
  let prev = GENESIS_HASH;
  let expected = 1;
  let n = 0;
  for (const e of entries) {
    if (e.seq !== expected)
      return { ok: false, entries: n, seq: e.seq, reason: `expected seq ${expected}, found ${e.seq}` };
    if (e.prev_hash !== prev)
      return { ok: false, entries: n, seq: e.seq, reason: 'prev_hash does not link to the entry before' };
    const { hash: h, ...body } = e;
    if (auditHash(body) !== h) return { ok: false, entries: n, seq: e.seq, reason: 'hash does not match the entry' };
    prev = h;
    expected++;
    n++;
  }
  return { ok: true, entries: n, lastHash: prev };
}
