import type { AuditEntry, AuditEntryDraft, Scope, Tags } from '@elava/types';
import type { AuditTrail } from './audit-trail.js';
import { contentHash } from './canonical.js';
import type { StoreCore } from './core.js';
import { writeResult } from './deltas.js';
import { InvalidWriteError } from './errors.js';
import { RecordType } from './format/record.js';
import type { KeyIndex } from './key-index.js';
import type { KvView } from './kv-view.js';
import { buildRevisionRecord, type RevisionMeta, type VersionTuple } from './record-codec.js';
import type { KeyLabels } from './tree-index.js';
import type { ScanResult } from './types.js';
import { HASH_BYTES } from './version-table.js';

/** One new version of a key, as the caller built it. */
export interface Put {
  key: string;
  /** The document: canonical JSON (canonical.ts), so equal content has equal bytes. */
  value: string;
  /** Base64 sha1 of `value` (`contentHash`); computed when absent; one in 64 is re-checked. */
  hash?: string;
  /** Indexed for tag filters and kept with the version. */
  tags?: Tags | null;
  /**
   * What a new key is indexed under, when the caller knows (scanWrite: its scope's, every key
   * being checked to lie in it); else the store's labeler reads the key. It must be what the
   * labeler would say: a reopened store labels the keys it replays with the labeler.
   */
  labels?: KeyLabels;
}

/** One revision's worth of writes, built by the caller (scan-write.ts builds a scan page's). */
export interface WriteRequest {
  /** Idempotency: a batch id seen before is a no-op that answers with the first result. */
  batch: string;
  /** The scan this revision records (kept as the scope's last scan). */
  scope: Scope;
  complete?: boolean;
  /** When the scanner observed this page (epoch ms). */
  observedAt?: number;
  /** A put whose content equals the key's newest version adds nothing (counted as unchanged). */
  puts: readonly Put[];
  /** Keys to tombstone; one that is not live, or is also put, is skipped. */
  deletes?: Iterable<string>;
  /** Audit entries to commit in the same record (both or neither survive a crash). */
  audit?: (r: { revision: number; changed: number; unchanged: number }) => AuditEntryDraft[];
  withDocuments?: boolean;
}

/** One in this many pre-computed hashes is recomputed, to catch a producer that gets them wrong. */
const HASH_SAMPLE = 64;

/**
 * The write transaction (as etcd's kvstore_txn): stages puts and deletes as one revision in
 * memory, hands the record to the single writer and resolves once it is durable. Readers see
 * nothing of it before then. Keys are opaque here: what a key means is the caller's business.
 */
export class WriteTxn {
  /** Numbers each staging pass, for the marks it leaves on key indexes (KeyIndex.txn). */
  private serial = 0;
  private hashChecks = 0;
  private readonly scratch = Buffer.alloc(64);

  constructor(
    private readonly core: StoreCore,
    private readonly view: KvView,
    private readonly trail: AuditTrail,
  ) {}

  async commit(req: WriteRequest): Promise<ScanResult> {
    const core = this.core;
    core.assertWritable();
    const { batch } = req;
    if (typeof batch !== 'string' || batch.length === 0)
      throw new InvalidWriteError('batch id must be a non-empty string');
    const withDocs = req.withDocuments ?? true;
    const prior = core.state.batches.get(batch);
    if (prior !== undefined) {
      await core.writer.idle();
      // The first delivery may have been in a flush that failed: then nothing of it was written.
      if (prior > core.committed) core.assertWritable();
      return writeResult(core, this.view, prior, true, withDocs);
    }

    // Pass 1 checks every put, so a bad one refuses the whole batch before any write, and drops
    // the unchanged. A key appearing twice counts once, and its last put wins.
    const serial = ++this.serial;
    const state = core.state;
    const table = state.table;
    const tree = state.tree;
    const staged: (Staged | null)[] = [];
    const newKeys = new Map<string, number>();
    let seen = 0;
    let dropped = 0;
    for (const put of req.puts) {
      const { key, value } = put;
      if (typeof key !== 'string' || key.length === 0) throw new InvalidWriteError('a put needs a non-empty key');
      if (typeof value !== 'string') throw new InvalidWriteError(`${key}: the value must be a string of JSON`);
      const tags = put.tags ?? null;
      if (tags !== null && (typeof tags !== 'object' || Array.isArray(tags)))
        throw new InvalidWriteError(`${key}: tags must be a map`);
      const ki = tree.get(key);
      // The common case, a resource as it was: the hash it came with is the one stored (so it is
      // well-formed), and only the sample of hashes that are re-checked goes the long way.
      const sample = this.hashChecks++ % HASH_SAMPLE === 0;
      if (ki !== undefined && !sample && put.hash === ki.latestHash()) {
        if (ki.txn !== serial) {
          ki.txn = serial;
          ki.slot = -1;
          seen++;
        } else if (ki.slot >= 0) {
          staged[ki.slot] = null;
          ki.slot = -1;
          dropped++;
        }
        continue;
      }
      const hash = this.checkedHash(put, sample);
      if (ki === undefined) {
        const slot = newKeys.get(key);
        // Labelled now: a key the labeler refuses must refuse the batch before anything is staged.
        const s: Staged = { key, value, hash, tags, ki: undefined, labels: put.labels ?? state.labels(key) };
        if (slot === undefined) {
          seen++;
          newKeys.set(key, staged.push(s) - 1);
        } else staged[slot] = s;
        continue;
      }
      if (ki.txn !== serial) {
        ki.txn = serial;
        ki.slot = -1;
        seen++;
      }
      const cur = ki.latest();
      if (cur >= 0 && table.hashEquals(cur, this.scratch)) {
        if (ki.slot >= 0) {
          staged[ki.slot] = null;
          ki.slot = -1;
          dropped++;
        }
        continue;
      }
      const s: Staged = { key, value, hash, tags, ki, labels: undefined };
      if (ki.slot >= 0) staged[ki.slot] = s;
      else ki.slot = staged.push(s) - 1;
    }
    const changed = staged.length - dropped;
    const unchanged = seen - changed;

    // Pass 2 stages the revision in memory; readers see it only once it is durable.
    const main = state.lastRevision + 1;
    const tuples: VersionTuple[] = [];
    const keys: (KeyIndex | undefined)[] = [];
    const fresh: Staged[] = [];
    const docs: string[] = [];
    const tags: (Tags | null)[] = [];
    let docBytes = 0;
    for (const s of staged) {
      if (s === null) continue;
      const ki = s.ki;
      const cur = ki ? ki.latest() : -1;
      const live = cur >= 0 && !table.isTombstone(cur);
      if (!ki) fresh.push(s);
      const len = Buffer.byteLength(s.value);
      const created = live ? (table.created[cur] as number) : main;
      const ver = live ? (table.ver[cur] as number) + 1 : 1;
      tuples.push([s.key, tuples.length, s.hash, len, created, ver, s.tags]);
      keys.push(ki);
      docs.push(s.value);
      tags.push(s.tags);
      docBytes += len;
    }
    const puts = tuples.length;
    for (const key of req.deletes ?? []) {
      const ki = tree.get(key);
      if (ki === undefined || ki.txn === serial) continue;
      const cur = ki.latest();
      if (cur < 0 || table.isTombstone(cur)) continue;
      // Marked, so a key named twice is tombstoned once.
      ki.txn = serial;
      tuples.push([key, tuples.length, '', 0, table.created[cur] as number, (table.ver[cur] as number) + 1, null]);
      keys.push(ki);
    }
    const hashes = Buffer.allocUnsafe(puts * HASH_BYTES);
    for (let i = 0; i < puts; i++) hashes.write((tuples[i] as VersionTuple)[2], i * HASH_BYTES, HASH_BYTES, 'base64');

    const meta: RevisionMeta = {
      m: main,
      t: Date.now(),
      b: batch,
      s: req.scope,
      c: req.complete === true,
      n: seen,
      u: unchanged,
      v: tuples,
      ...(req.observedAt !== undefined && !Number.isNaN(req.observedAt) ? { o: req.observedAt } : {}),
    };
    const drafts = req.audit?.({ revision: main, changed: tuples.length, unchanged }) ?? [];
    this.trail.check(drafts);
    // Nothing below throws on the caller's input: new keys get their index entries only now.
    for (let i = 0, f = 0; i < puts; i++) {
      if (keys[i] !== undefined) continue;
      const s = fresh[f++] as Staged;
      keys[i] = tree.getOrCreate(s.key, s.labels);
    }
    const written = state.applyRevision(meta, { keys: keys as KeyIndex[], hashes });
    const { entries, texts } = this.trail.stage(drafts);
    const blobs = texts.map((t) => Buffer.from(t));
    let docStart = 0;
    await core.writer.append({
      type: RecordType.Revision,
      build: (alloc) => {
        const rec = buildRevisionRecord(meta, docs, docBytes, blobs, alloc);
        docStart = rec.docStart;
        return rec.record;
      },
      // Runs before the write, inside the flusher: row numbers are still the ones staged here.
      placed: (seg, payloadOffset) => {
        core.state.place(written, seg, payloadOffset + docStart);
        let at = payloadOffset + docStart + docBytes;
        for (const [i, e] of entries.entries()) {
          core.state.audit.place(e.seq, seg, at, (blobs[i] as Buffer).length);
          at += (blobs[i] as Buffer).length;
        }
      },
    });
    core.committed = Math.max(core.committed, main);
    if (entries.length > 0)
      core.auditCommitted = Math.max(core.auditCommitted, (entries[entries.length - 1] as AuditEntry).seq);
    const result = writeResult(core, this.view, main, false, withDocs, { docs, tags });
    result.audit = entries;
    return result;
  }

  /**
   * The put's hash in base64, and its raw bytes left in `scratch` for the comparison. A given
   * hash is trusted unless `sample`: then it is recomputed, and a wrong one refuses the batch.
   */
  private checkedHash(put: Put, sample: boolean): string {
    const given = put.hash;
    if (given === undefined) {
      const h = contentHash(put.value);
      h.copy(this.scratch);
      return h.toString('base64');
    }
    const n = typeof given === 'string' && given.length <= 44 ? this.scratch.write(given, 'base64') : 0;
    if (n !== HASH_BYTES || (sample && !this.scratch.subarray(0, n).equals(contentHash(put.value)))) {
      throw new InvalidWriteError(`${put.key}: the given content hash does not match its document`);
    }
    return given;
  }
}

interface Staged {
  key: string;
  value: string;
  hash: string;
  tags: Tags | null;
  ki: KeyIndex | undefined;
  labels: KeyLabels | undefined;
}
