import { AUDIT_ENTRY_TYPES, type AuditEntry, type AuditEntryDraft, type AuditEntryType } from '@elava/types';
import { type AuditVerification, chainEntryText, verifyChain } from './audit-chain.js';
import type { StoreCore } from './core.js';
import { InvalidWriteError } from './errors.js';
import { RecordType } from './format/record.js';
import { buildAuditRecord } from './record-codec.js';
import { auditTypeCode } from './recovery.js';
import type { AuditQuery } from './types.js';

const AUDIT_TYPES: ReadonlySet<string> = new Set(AUDIT_ENTRY_TYPES);
const READ_CHUNK = 512;

/**
 * The hash-chained audit trail: entries appended on their own, or staged with a revision (the
 * write transaction calls `check` and `stage`), and read back by sequence, resource, type or key.
 */
export class AuditTrail {
  constructor(private readonly core: StoreCore) {}

  /** Appends entries to the hash-chained audit trail; resolves with them once durable. */
  async append(drafts: AuditEntryDraft | AuditEntryDraft[]): Promise<AuditEntry[]> {
    const core = this.core;
    core.assertWritable();
    const given = Array.isArray(drafts) ? drafts : [drafts];
    this.check(given);
    const audit = core.state.audit;
    // A key already on the trail (or earlier in this call) is a redelivery: answer with the entry
    // it made and write nothing for it.
    const fresh = new Set<string>();
    const list = given.filter((d) => {
      if (d.key === undefined) return true;
      if (audit.keys.has(d.key) || fresh.has(d.key)) return false;
      fresh.add(d.key);
      return true;
    });
    if (list.length === 0) return this.existing(given);
    const { entries, texts } = this.stage(list);
    let enc: ReturnType<typeof buildAuditRecord> | null = null;
    await core.writer.append({
      type: RecordType.Audit,
      build: () => {
        enc = buildAuditRecord(texts);
        return enc.record;
      },
      placed: (seg, payloadOffset) => {
        for (const [i, e] of entries.entries()) {
          audit.place(e.seq, seg, payloadOffset + (enc?.offsets[i] ?? 0), enc?.lengths[i] ?? 0);
        }
      },
    });
    core.auditCommitted = Math.max(core.auditCommitted, (entries[entries.length - 1] as AuditEntry).seq);
    if (list.length === given.length) return entries;
    const written = new Map(list.map((d, i) => [d, entries[i] as AuditEntry]));
    const earlier = await this.existing(given.filter((d) => !written.has(d)));
    return given.map((d) => written.get(d) ?? (earlier.shift() as AuditEntry));
  }

  /** The entries keyed drafts made before, once durable (a first delivery may still be in flight). */
  private async existing(drafts: AuditEntryDraft[]): Promise<AuditEntry[]> {
    const core = this.core;
    const seqs = drafts.map((d) => core.state.audit.keys.get(d.key as string) as number);
    if (seqs.some((q) => q > core.auditCommitted)) {
      await core.writer.idle();
      // The first delivery may have been in a flush that failed: then nothing of it was written.
      if (seqs.some((q) => q > core.auditCommitted)) core.assertWritable();
    }
    return this.read(seqs);
  }

  /** Refuses drafts of unknown types or malformed data before anything is staged. */
  check(list: AuditEntryDraft[]): void {
    for (const d of list) {
      if (!d || !AUDIT_TYPES.has(d.type)) {
        throw new InvalidWriteError(`unknown audit entry type ${JSON.stringify(d?.type)}`);
      }
      if (d.data !== undefined && (d.data === null || typeof d.data !== 'object' || Array.isArray(d.data))) {
        throw new InvalidWriteError(`audit entry ${d.type}: data must be an object`);
      }
      if (d.key !== undefined && (typeof d.key !== 'string' || d.key === '')) {
        throw new InvalidWriteError(`audit entry ${d.type}: key must be a non-empty string`);
      }
    }
  }

  /**
   * Chains drafts onto the trail in memory; readers see them once their record is durable. The
   * texts are the entries as the record keeps them.
   */
  stage(list: AuditEntryDraft[]): { entries: AuditEntry[]; texts: string[] } {
    const now = Date.now();
    const audit = this.core.state.audit;
    const entries: AuditEntry[] = [];
    const texts: string[] = [];
    for (const d of list) {
      const { entry: e, text } = chainEntryText(d, audit.seq + 1, audit.lastHash, now);
      audit.add(e.seq, e.resource_id, Date.parse(e.time), e.hash, auditTypeCode(e.type), e.key);
      entries.push(e);
      texts.push(text);
    }
    return { entries, texts };
  }

  /** The committed entry a writer made under an idempotency key (`decided-<id>`, `changes-rev-<n>`, …). */
  byKey(key: string): AuditEntry | undefined {
    const seq = this.core.state.audit.keys.get(key);
    if (seq === undefined || seq > this.core.auditCommitted) return undefined;
    return this.read([seq])[0];
  }

  /** Committed audit entries in order, filtered by resource, types, time and position. */
  query(q: AuditQuery = {}): AuditEntry[] {
    return this.read(this.select(q));
  }

  /**
   * The same entries as `query`, each as the JSON text the record holds, with its sequence number
   * and type: for passing the trail on (the WAL) without parsing and serializing it again.
   */
  queryText(q: AuditQuery = {}): AuditText[] {
    const a = this.core.state.audit;
    const seqs = this.select(q);
    const texts = this.readText(seqs);
    return seqs.map((seq, i) => ({
      seq,
      type: AUDIT_ENTRY_TYPES[a.type[seq - 1] as number] as AuditEntryType,
      text: texts[i] as string,
    }));
  }

  private select(q: AuditQuery): number[] {
    const a = this.core.state.audit;
    const committed = this.core.auditCommitted;
    const limit = q.limit ?? Number.POSITIVE_INFINITY;
    const sinceMs = q.since?.getTime() ?? Number.NEGATIVE_INFINITY;
    const types = q.types ? new Set(q.types.map(auditTypeCode)) : null;
    const start = q.after ?? 0;
    const wanted = (s: number) =>
      s > start &&
      s <= committed &&
      (a.time[s - 1] as number) >= sinceMs &&
      (!types || types.has(a.type[s - 1] as number));
    const seqs: number[] = [];
    const candidates = q.resource ? (a.byResource.get(q.resource) ?? []) : null;
    if (candidates) {
      for (const s of candidates) {
        if (wanted(s)) seqs.push(s);
        if (seqs.length >= limit) break;
      }
    } else {
      for (let s = start + 1; s <= committed && seqs.length < limit; s++) {
        if (wanted(s)) seqs.push(s);
      }
    }
    return seqs;
  }

  /** Re-reads the whole trail from disk and checks every link and hash. */
  verify(): AuditVerification {
    const self = this;
    const committed = this.core.auditCommitted;
    function* all(): Generator<AuditEntry> {
      for (let s = 1; s <= committed; s += READ_CHUNK) {
        const seqs: number[] = [];
        for (let q = s; q < s + READ_CHUNK && q <= committed; q++) seqs.push(q);
        yield* self.read(seqs);
      }
    }
    return verifyChain(all());
  }

  private read(seqs: number[]): AuditEntry[] {
    return this.readText(seqs).map((d) => JSON.parse(d) as AuditEntry);
  }

  private readText(seqs: number[]): string[] {
    const a = this.core.state.audit;
    return this.core.files.readMany(
      seqs.map((s) => ({ seg: a.seg[s - 1] as number, off: a.off[s - 1] as number, len: a.len[s - 1] as number })),
    );
  }
}

/** One committed audit entry as stored: see AuditTrail.queryText. */
export interface AuditText {
  seq: number;
  type: AuditEntryType;
  text: string;
}
