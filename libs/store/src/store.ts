import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AnyResource,
  AUDIT_ENTRY_TYPES,
  type AuditEntry,
  type AuditEntryDraft,
  type AuditEntryType,
  isFiltered,
  isResourceType,
  parseResourceId,
  type Scope,
} from '@elava/types';
import { type AuditVerification, chainEntry, verifyChain } from './audit-chain.js';
import { canonicalJson, contentHash } from './canonical.js';
import { CHECKPOINT_FILE, readCheckpoint, removeCheckpoint, writeCheckpoint } from './checkpoint.js';
import { type CompactionReport, finishCompaction, runCompaction } from './compaction.js';
import { diff, type ListKeys } from './diff.js';
import {
  CompactedError,
  FutureRevisionError,
  InvalidWriteError,
  StorageUnavailableError,
  writeFailure,
} from './errors.js';
import { type DiffFilter, type DiffOptions, type EstateDiffEntry, estateDiff } from './estate-diff.js';
import { RecordType } from './format/record.js';
import { createSegment, listSegments, SEGMENT_HEADER_BYTES, segmentName } from './format/segment.js';
import { IDENTITY_FILE, loadOrCreateIdentity } from './identity.js';
import type { KeyIndex } from './key-index.js';
import { acquireLock } from './lock.js';
import { datasync, writeAllAt } from './log-io.js';
import { LogWriter } from './log-writer.js';
import {
  decodeAudit,
  decodeRevision,
  encodeAudit,
  encodeRevision,
  type RevisionMeta,
  revisionAudit,
  type VersionTuple,
} from './record-codec.js';
import { replay, type TornTail } from './replay.js';
import { SegmentFiles } from './segment-files.js';
import { parseSelector, type RevisionSelector } from './selector.js';
import { type ScopeState, StoreState } from './state.js';
import type { RangeFilter } from './tree-index.js';
import type {
  AuditQuery,
  ChangeRecord,
  Delta,
  DeltaKind,
  EncodedResource,
  HistoryEntry,
  Observed,
  ScanResult,
  StoredVersion,
  StoreStats,
  VersionMeta,
} from './types.js';
import { HASH_BYTES } from './version-table.js';

export interface StoreOptions {
  /** A segment is closed and a new one started past this size. */
  segmentBytes?: number;
  /** Write an index checkpoint after this many revisions… */
  checkpointEvery?: number;
  /** …or after this long, whichever comes first. */
  checkpointIntervalMs?: number;
  /** Take the single-writer lock (readers of a copy may skip it). */
  lock?: boolean;
}

export interface OpenReport {
  checkpoint: 'loaded' | 'absent' | `ignored: ${string}`;
  replayedRecords: number;
  torn: TornTail | null;
  finishedCompaction: boolean;
  ms: number;
}

const DEFAULTS = { segmentBytes: 64 * 1024 * 1024, checkpointEvery: 10_000, checkpointIntervalMs: 5 * 60_000 };
const AUDIT_TYPES: ReadonlySet<string> = new Set(AUDIT_ENTRY_TYPES);
const auditTypeCode = (t: AuditEntryType): number => AUDIT_ENTRY_TYPES.indexOf(t);
const READ_CHUNK = 512;
/** What `resume` writes to see that the directory takes writes again (a `.tmp`: open removes a leftover one). */
const PROBE_FILE = 'write-probe.tmp';
const PROBE_BYTES = 1024 * 1024;
/** After a checkpoint failed (a full disk), the next try waits this long. */
const CHECKPOINT_RETRY_MS = 60_000;

/** Canonical JSON of a resource, for callers that encode once and pass `{id, json}`. */
export function encodeResource(r: AnyResource): Required<EncodedResource> {
  const json = canonicalJson(r);
  return { id: r.id, json, tags: r.tags, hash: contentHash(json).toString('base64') };
}

/** One in this many pre-computed hashes is recomputed, to catch a producer that gets them wrong. */
const HASH_SAMPLE = 64;

/**
 * Elava's memory: every version of every resource in an append-only, checksummed log, with an
 * in-memory index for reads at any revision. One process writes; reads are served from the
 * index and positional reads of the log, and only ever see committed (fsynced) revisions.
 */
export class Store {
  private committed: number;
  private auditCommitted: number;
  private lastCheckpoint = { rev: 0, at: Date.now() };
  private compacting: Promise<CompactionReport> | null = null;
  private closed = false;

  private constructor(
    readonly dir: string,
    private state: StoreState,
    private writer: LogWriter,
    private readonly files: SegmentFiles,
    private readonly opts: Required<StoreOptions>,
    private readonly unlock: () => void,
    readonly report: OpenReport,
    /** The store's identity (IDENTITY in its directory): part of every key derived from its state. */
    readonly id: string,
  ) {
    this.committed = state.lastRevision;
    this.auditCommitted = state.audit.seq;
    this.lastCheckpoint.rev = this.committed;
  }

  static async open(dir: string, options: StoreOptions = {}): Promise<Store> {
    const started = Date.now();
    const opts: Required<StoreOptions> = { ...DEFAULTS, lock: true, ...options };
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
    const unlock = opts.lock ? acquireLock(dir) : () => {};
    try {
      const finishedCompaction = finishCompaction(dir);
      for (const f of readdirSync(dir)) if (f.endsWith('.tmp')) rmSync(join(dir, f), { force: true });
      // A reader of a copy (no lock) writes nothing, not even an identity the copy lacks.
      const id = opts.lock || existsSync(join(dir, IDENTITY_FILE)) ? loadOrCreateIdentity(dir).id : 'unknown';

      const { state, end, torn, checkpoint, replayed } = recover(dir);
      const { seg, fd, size } = openLogEnd(dir, state, end, torn);
      const files = new SegmentFiles(dir);
      let store: Store | null = null;
      const writer = new LogWriter(dir, seg, fd, size, opts.segmentBytes, {
        afterFlush: () => store?.maybeCheckpoint(),
        nextRevision: () => state.lastRevision + 1,
      });
      store = new Store(
        dir,
        state,
        writer,
        files,
        opts,
        unlock,
        {
          checkpoint,
          replayedRecords: replayed,
          torn,
          finishedCompaction,
          ms: Date.now() - started,
        },
        id,
      );
      return store;
    } catch (err) {
      unlock();
      throw err;
    }
  }

  /** The newest committed revision. */
  get revision(): number {
    return this.committed;
  }

  /** Whether a batch id has been applied (and is still remembered). */
  isApplied(batchId: string): boolean {
    return (this.state.batches.get(batchId) ?? Number.POSITIVE_INFINITY) <= this.committed;
  }

  get compactedAt(): number {
    return this.state.compactedAt;
  }

  // ---------------------------------------------------------------- writes

  /**
   * Records one page of a scan as one revision. Unchanged resources add no version; new and
   * changed ones do; when `complete`, every live resource of an unfiltered scope that the scan
   * did not see gets a tombstone in the same revision. A batch id seen before is a no-op that
   * returns the original result.
   */
  async applyScan(
    batchId: string,
    scope: Scope,
    observations: Observed[],
    opts: {
      complete?: boolean;
      /**
       * With `complete` on the last page of a scan that came in several pages: every id the whole
       * scan saw. Only resources outside it are tombstoned, whatever order the pages came in.
       */
      seen?: Iterable<string>;
      withDocuments?: boolean;
      /** When the scanner observed this page (RFC 3339); kept with the scope's last scan. */
      observedAt?: string;
      /**
       * Audit entries to commit in the same record as the revision (both or neither survive a
       * crash), made from what the revision did.
       */
      audit?: (r: { revision: number; changed: number; unchanged: number }) => AuditEntryDraft[];
    } = {},
  ): Promise<ScanResult> {
    this.assertWritable();
    if (typeof batchId !== 'string' || batchId.length === 0)
      throw new InvalidWriteError('batch id must be a non-empty string');
    const prior = this.state.batches.get(batchId);
    if (prior !== undefined) {
      await this.writer.idle();
      // The first delivery may have been in a flush that failed: then nothing of it was written.
      if (prior > this.committed) this.assertWritable();
      return this.resultFor(prior, true, opts.withDocuments ?? true);
    }
    validateScope(scope);

    // Pass 1 checks everything, so a bad observation refuses the whole batch before any write.
    // Unchanged observations only need remembering as seen; the changed ones carry their data.
    const seen = new Set<string>();
    const items = new Map<
      string,
      { json: string; hash: Buffer; ki: KeyIndex | undefined; tags: Record<string, string> }
    >();
    const inScope = `aws:${scope.account}:${scope.region}:${scope.type}:`;
    for (const o of observations) {
      const enc: EncodedResource = 'json' in o && typeof o.json === 'string' ? o : encodeResource(o as AnyResource);
      const { id, json } = enc;
      if (typeof id !== 'string' || id.length <= inScope.length || !id.startsWith(inScope)) checkInScope(id, scope);
      const hash = this.hashOf(enc);
      const ki = this.state.tree.get(id);
      const cur = ki ? ki.latest() : -1;
      seen.add(id);
      if (cur >= 0 && this.state.table.hashEquals(cur, hash)) {
        items.delete(id);
        continue;
      }
      const tags = enc.tags ? checkTags(id, enc.tags) : tagsOf(id, json);
      items.set(id, { json, hash: Buffer.from(hash), ki, tags });
    }
    const unchanged = seen.size - items.size;

    // Pass 2 stages the revision in memory; readers see it only once it is durable.
    const main = this.state.lastRevision + 1;
    const tuples: VersionTuple[] = [];
    const docs: Buffer[] = [];
    const fresh = new Map<string, string>();
    const t = this.state.table;
    for (const [id, it] of items) {
      const cur = it.ki ? it.ki.latest() : -1;
      const live = cur >= 0 && !t.isTombstone(cur);
      const doc = Buffer.from(it.json);
      const created = live ? (t.created[cur] as number) : main;
      const ver = live ? (t.ver[cur] as number) + 1 : 1;
      tuples.push([id, tuples.length, it.hash.toString('base64'), doc.length, created, ver, it.tags]);
      docs.push(doc);
      fresh.set(id, it.json);
    }
    const complete = opts.complete === true;
    if (complete && !isFiltered(scope)) {
      const scanSeen = opts.seen ? new Set(opts.seen) : null;
      for (const ki of this.state.tree.inScope(scope.account, scope.region, scope.type)) {
        if (seen.has(ki.id) || scanSeen?.has(ki.id)) continue;
        const cur = ki.latest();
        if (cur >= 0 && !t.isTombstone(cur)) {
          tuples.push([ki.id, tuples.length, '', 0, t.created[cur] as number, (t.ver[cur] as number) + 1, null]);
        }
      }
    }
    const meta: RevisionMeta = {
      m: main,
      t: Date.now(),
      b: batchId,
      s: scope,
      c: complete,
      n: seen.size,
      u: unchanged,
      v: tuples,
      ...(opts.observedAt && !Number.isNaN(Date.parse(opts.observedAt)) ? { o: Date.parse(opts.observedAt) } : {}),
    };
    const drafts = opts.audit?.({ revision: main, changed: tuples.length, unchanged }) ?? [];
    this.checkDrafts(drafts);
    const written = this.state.applyRevision(meta);
    const entries = this.stageAudit(drafts);
    const blobs = entries.map((e) => Buffer.from(JSON.stringify(e)));
    let docStart = 0;
    let docBytes = 0;
    await this.writer.append({
      type: RecordType.Revision,
      payload: () => {
        const enc = encodeRevision(meta, docs, blobs);
        docStart = enc.docStart;
        docBytes = docs.reduce((sum, d) => sum + d.length, 0);
        return enc.payload;
      },
      // Runs before the write, inside the flusher: row numbers are still the ones staged here.
      placed: (seg, payloadOffset) => {
        this.state.place(written, seg, payloadOffset + docStart);
        let at = payloadOffset + docStart + docBytes;
        for (const [i, e] of entries.entries()) {
          this.state.audit.place(e.seq, seg, at, (blobs[i] as Buffer).length);
          at += (blobs[i] as Buffer).length;
        }
      },
    });
    this.committed = Math.max(this.committed, main);
    if (entries.length > 0)
      this.auditCommitted = Math.max(this.auditCommitted, (entries[entries.length - 1] as AuditEntry).seq);
    return { ...this.resultFor(main, false, opts.withDocuments ?? true, fresh), audit: entries };
  }

  /** Appends entries to the hash-chained audit trail; resolves with them once durable. */
  async appendAudit(drafts: AuditEntryDraft | AuditEntryDraft[]): Promise<AuditEntry[]> {
    this.assertWritable();
    const given = Array.isArray(drafts) ? drafts : [drafts];
    this.checkDrafts(given);
    const audit = this.state.audit;
    // A key already on the trail (or earlier in this call) is a redelivery: answer with the entry
    // it made and write nothing for it.
    const fresh = new Set<string>();
    const list = given.filter((d) => {
      if (d.key === undefined) return true;
      if (audit.keys.has(d.key) || fresh.has(d.key)) return false;
      fresh.add(d.key);
      return true;
    });
    if (list.length === 0) return this.existingEntries(given);
    const entries = this.stageAudit(list);
    let enc: ReturnType<typeof encodeAudit> | null = null;
    await this.writer.append({
      type: RecordType.Audit,
      payload: () => {
        enc = encodeAudit(entries);
        return enc.payload;
      },
      placed: (seg, payloadOffset) => {
        for (const [i, e] of entries.entries()) {
          audit.place(e.seq, seg, payloadOffset + (enc?.offsets[i] ?? 0), enc?.lengths[i] ?? 0);
        }
      },
    });
    this.auditCommitted = Math.max(this.auditCommitted, (entries[entries.length - 1] as AuditEntry).seq);
    if (list.length === given.length) return entries;
    const written = new Map(list.map((d, i) => [d, entries[i] as AuditEntry]));
    const earlier = await this.existingEntries(given.filter((d) => !written.has(d)));
    return given.map((d) => written.get(d) ?? (earlier.shift() as AuditEntry));
  }

  /** The entries keyed drafts made before, once durable (a first delivery may still be in flight). */
  private async existingEntries(drafts: AuditEntryDraft[]): Promise<AuditEntry[]> {
    const seqs = drafts.map((d) => this.state.audit.keys.get(d.key as string) as number);
    if (seqs.some((q) => q > this.auditCommitted)) {
      await this.writer.idle();
      // The first delivery may have been in a flush that failed: then nothing of it was written.
      if (seqs.some((q) => q > this.auditCommitted)) this.assertWritable();
    }
    return this.readAudit(seqs);
  }

  // ----------------------------------------------------------------- reads

  /** Resolves a revision number, time or age to a readable revision. */
  resolve(at?: RevisionSelector): number {
    if (at === undefined) return this.committed;
    const sel = parseSelector(at);
    const rev = sel instanceof Date ? Math.min(this.state.clock.revisionAt(sel.getTime()), this.committed) : sel;
    if (rev > this.committed) throw new FutureRevisionError(rev, this.committed);
    if (rev < this.state.compactedAt) throw new CompactedError(rev, this.state.compactedAt);
    return rev;
  }

  timeOf(main: number): string | undefined {
    const t = this.state.clock.timeOf(main);
    return t === undefined ? undefined : new Date(t).toISOString();
  }

  get(id: string, at?: RevisionSelector): StoredVersion | null {
    const rev = this.resolve(at);
    const ki = this.state.tree.get(id);
    const row = ki ? ki.liveAt(rev) : -1;
    if (!ki || row < 0) return null;
    return this.stored(ki, row, this.files.readString(this.docRef(row)));
  }

  /**
   * Live resources at a revision, in id order, read in chunks so large ranges stream. With
   * `raw`, each carries its stored JSON instead of a parsed resource (an API can send it as is).
   */
  *range(
    filter: RangeFilter = {},
    opts: { at?: RevisionSelector; after?: string; limit?: number; raw?: boolean } = {},
  ): Generator<StoredVersion> {
    const rev = this.resolve(opts.at);
    const limit = opts.limit ?? Number.POSITIVE_INFINITY;
    const time = this.timeMemo();
    let count = 0;
    let keys: KeyIndex[] = [];
    let rows: number[] = [];
    const self = this;
    function* flush(): Generator<StoredVersion> {
      const docs = self.files.readMany(rows.map((r) => self.docRef(r)));
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] as number;
        const doc = docs[i] as string;
        yield {
          id: (keys[i] as KeyIndex).id,
          ...self.meta(row, time(self.state.table.main[row] as number)),
          ...(opts.raw ? { json: doc } : { resource: JSON.parse(doc) as AnyResource }),
        };
      }
      keys = [];
      rows = [];
    }
    for (const ki of this.state.tree.candidates(filter, opts.after)) {
      if (count >= limit) break;
      if (!matchesPlace(ki, filter) || (filter.prefix && !ki.id.startsWith(filter.prefix))) continue;
      const row = ki.liveAt(rev);
      if (row < 0 || !matchesTag(this.state.table.tags[row] ?? null, filter.tag)) continue;
      keys.push(ki);
      rows.push(row);
      count++;
      if (rows.length >= READ_CHUNK) yield* flush();
    }
    yield* flush();
  }

  /** Every retained version of one resource, oldest first, each with its diff to the one before. */
  history(id: string, listKeys?: ListKeys): HistoryEntry[] {
    const ki = this.state.tree.get(id);
    if (!ki) return [];
    const t = this.state.table;
    const rows = ki.rows.filter((r) => (t.main[r] as number) <= this.committed);
    const docs = this.files.readMany(rows.map((r) => this.docRef(r)));
    let before: unknown;
    return rows.map((row, i) => {
      const resource = t.isTombstone(row) ? undefined : JSON.parse(docs[i] as string);
      const entry: HistoryEntry = {
        ...this.stored(ki, row),
        ...(resource ? { resource } : {}),
        diff: i === 0 ? [] : diff(before, resource, listKeys),
      };
      before = resource;
      return entry;
    });
  }

  /**
   * Every resource added, removed or modified between two revisions (or times), compared end to
   * end with field-level diffs; read from the revisions in between, never the whole estate
   * (estate-diff.ts). In (type, id) order; `after` resumes past an id.
   */
  diffBetween(
    from: RevisionSelector,
    to: RevisionSelector,
    filter: DiffFilter = {},
    opts: DiffOptions = {},
  ): Generator<EstateDiffEntry> {
    const source = {
      state: this.state,
      read: (rows: number[]) => this.files.readMany(rows.map((r) => this.docRef(r))),
      version: (row: number) => this.stored(this.state.table.owner[row] as KeyIndex, row),
    };
    return estateDiff(source, this.resolve(from), this.resolve(to), filter, opts);
  }

  /** What changed after a revision (or time), in revision order. */
  changesSince(since: RevisionSelector, filter: RangeFilter = {}, limit = Number.POSITIVE_INFINITY): ChangeRecord[] {
    const from = this.resolve(since);
    const t = this.state.table;
    const out: ChangeRecord[] = [];
    for (let m = from + 1; m <= this.committed && out.length < limit; m++) {
      const entry = this.state.revisions.get(m);
      if (!entry) continue;
      for (const row of entry.rows) {
        const ki = t.owner[row] as KeyIndex;
        if (!matchesPlace(ki, filter) || (filter.prefix && !ki.id.startsWith(filter.prefix))) continue;
        if (filter.tag && !matchesTag(t.tags[row] ?? null, filter.tag)) continue;
        const prev = ki.previous(row);
        out.push({
          id: ki.id,
          kind: this.kindOf(row, prev),
          current: this.meta(row),
          previous: prev >= 0 ? this.meta(prev) : null,
        });
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  /** Per scope: the last scan and the last scan that completed cleanly. */
  scopes(): ScopeState[] {
    return [...this.state.scopes.values()].filter((s) => s.last_scan.revision <= this.committed);
  }

  /** The committed entry a writer made under an idempotency key (`decided-<id>`, `changes-rev-<n>`, …). */
  auditByKey(key: string): AuditEntry | undefined {
    const seq = this.state.audit.keys.get(key);
    if (seq === undefined || seq > this.auditCommitted) return undefined;
    return this.readAudit([seq])[0];
  }

  /** Committed audit entries in order, filtered by resource, types, time and position. */
  audit(q: AuditQuery = {}): AuditEntry[] {
    const a = this.state.audit;
    const limit = q.limit ?? Number.POSITIVE_INFINITY;
    const sinceMs = q.since?.getTime() ?? Number.NEGATIVE_INFINITY;
    const types = q.types ? new Set(q.types.map(auditTypeCode)) : null;
    const start = q.after ?? 0;
    const wanted = (s: number) =>
      s > start &&
      s <= this.auditCommitted &&
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
      for (let s = start + 1; s <= this.auditCommitted && seqs.length < limit; s++) {
        if (wanted(s)) seqs.push(s);
      }
    }
    return this.readAudit(seqs);
  }

  /** The newest committed audit sequence number. */
  get auditSeq(): number {
    return this.auditCommitted;
  }

  /** Re-reads the whole trail from disk and checks every link and hash. */
  verifyAudit(): AuditVerification {
    const self = this;
    function* all(): Generator<AuditEntry> {
      for (let s = 1; s <= self.auditCommitted; s += READ_CHUNK) {
        const seqs: number[] = [];
        for (let q = s; q < s + READ_CHUNK && q <= self.auditCommitted; q++) seqs.push(q);
        yield* self.readAudit(seqs);
      }
    }
    return verifyChain(all());
  }

  stats(): StoreStats {
    const ids = listSegments(this.dir);
    return {
      id: this.id,
      revision: this.committed,
      compacted_at: this.state.compactedAt,
      resources: this.state.tree.size,
      versions: this.state.versions,
      audit_entries: this.auditCommitted,
      segments: ids.length,
      bytes: ids.reduce((sum, id) => sum + statSync(join(this.dir, segmentName(id))).size, 0),
    };
  }

  // ------------------------------------------------------------ maintenance

  /**
   * Drops every version older than the newest one at or before `rev`, rewriting sealed segments
   * in the background while writes continue. Reads below `rev` fail with CompactedError.
   */
  compact(rev: number): Promise<CompactionReport> {
    this.assertWritable();
    if (this.compacting) return Promise.reject(new InvalidWriteError('a compaction is already running'));
    if (!Number.isInteger(rev) || rev > this.committed) throw new FutureRevisionError(rev, this.committed);
    if (rev <= this.state.compactedAt) throw new CompactedError(rev, this.state.compactedAt);
    const run = async () => {
      await this.writer.append({
        type: RecordType.Compacted,
        payload: () => Buffer.from(JSON.stringify({ rev })),
        placed: () => {},
      });
      this.state.applyCompaction(rev);
      await this.writer.rotate(this.state.lastRevision + 1);
      const report = await runCompaction({
        dir: this.dir,
        state: this.state,
        files: this.files,
        segmentBytes: this.opts.segmentBytes,
        activeSegment: this.writer.position.seg,
      });
      await this.checkpoint();
      return report;
    };
    this.compacting = run().finally(() => {
      this.compacting = null;
    });
    return this.compacting;
  }

  /** Writes an index checkpoint now, so the next open replays little. */
  async checkpoint(): Promise<void> {
    await this.writer.idle();
    writeCheckpoint(this.dir, this.state, this.writer.position);
    this.lastCheckpoint = { rev: this.committed, at: Date.now() };
  }

  private maybeCheckpoint(): void {
    const due =
      this.committed - this.lastCheckpoint.rev >= this.opts.checkpointEvery ||
      (this.committed > this.lastCheckpoint.rev &&
        Date.now() - this.lastCheckpoint.at >= this.opts.checkpointIntervalMs);
    if (!due || this.compacting || Date.now() < this.checkpointRetryAt) return;
    try {
      writeCheckpoint(this.dir, this.state, this.writer.position);
      this.lastCheckpoint = { rev: this.committed, at: Date.now() };
    } catch {
      // A checkpoint is optional (the log alone is the truth): on a full disk, give its space back
      // and try again a minute later rather than after every flush.
      this.dropCheckpointTemp();
      this.checkpointRetryAt = Date.now() + CHECKPOINT_RETRY_MS;
    }
  }

  private checkpointRetryAt = 0;

  private dropCheckpointTemp(): void {
    try {
      rmSync(join(this.dir, `${CHECKPOINT_FILE}.tmp`), { force: true });
    } catch {
      // open removes leftover temp files anyway
    }
  }

  /**
   * Takes writes again after a StorageUnavailableError (a full, over-quota or read-only data
   * directory), once the directory takes them: first a real write and fdatasync of a probe file
   * (`probeBytes`, 1 MiB by default, so that a page or two fit, not just a few bytes); then the
   * index is rebuilt from the log as `open` does (what failed was cut off the log and was never
   * acknowledged) and a new writer starts at its end. Reads go on throughout and see the same
   * committed revisions. Resolves true when it resumed, false when writes were not stopped;
   * rejects with a StorageUnavailableError while the directory still refuses, and with the
   * StoreFailedError itself after an error that needs a reopen (fail-stop).
   */
  resume(opts: { probeBytes?: number } = {}): Promise<boolean> {
    this.resuming ??= this.tryResume(opts.probeBytes ?? PROBE_BYTES).finally(() => {
      this.resuming = null;
    });
    return this.resuming;
  }

  private resuming: Promise<boolean> | null = null;

  private async tryResume(probeBytes: number): Promise<boolean> {
    if (this.closed) throw new Error('the store is closed');
    const failure = this.writer.failed;
    if (!failure) return false;
    if (!(failure instanceof StorageUnavailableError)) throw failure;
    await this.compacting?.catch(() => {});
    await this.writer.idle();
    await probeWrite(this.dir, probeBytes);
    let state: StoreState;
    let end: ReturnType<typeof openLogEnd>;
    try {
      const recovered = recover(this.dir);
      state = recovered.state;
      end = openLogEnd(this.dir, state, recovered.end, recovered.torn);
    } catch (err) {
      throw writeFailure(err, this.dir);
    }
    if (this.closed) {
      closeSync(end.fd);
      throw new Error('the store is closed');
    }
    this.writer.close();
    this.files.close();
    this.state = state;
    this.writer = new LogWriter(this.dir, end.seg, end.fd, end.size, this.opts.segmentBytes, {
      afterFlush: () => this.maybeCheckpoint(),
      nextRevision: () => state.lastRevision + 1,
    });
    this.committed = state.lastRevision;
    this.auditCommitted = state.audit.seq;
    this.lastCheckpoint = { rev: this.committed, at: Date.now() };
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.compacting?.catch(() => {});
    await this.resuming?.catch(() => {});
    await this.writer.idle();
    if (!this.writer.failed) {
      try {
        writeCheckpoint(this.dir, this.state, this.writer.position);
      } catch {
        // Optional, and a full disk must not keep the lock held: the next open replays the tail.
        this.dropCheckpointTemp();
      }
    }
    this.writer.close();
    this.files.close();
    this.unlock();
  }

  // --------------------------------------------------------------- helpers

  private checkDrafts(list: AuditEntryDraft[]): void {
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

  /** Chains drafts onto the trail in memory; readers see them once their record is durable. */
  private stageAudit(list: AuditEntryDraft[]): AuditEntry[] {
    const now = Date.now();
    const audit = this.state.audit;
    return list.map((d) => {
      const e = chainEntry(d, audit.seq + 1, audit.lastHash, now);
      audit.add(e.seq, e.resource_id, Date.parse(e.time), e.hash, auditTypeCode(e.type), e.key);
      return e;
    });
  }

  private hashChecks = 0;

  private readonly scratch = Buffer.alloc(64);

  /** The content hash, in a scratch buffer when given (copy it to keep it). */
  private hashOf(enc: EncodedResource): Buffer {
    if (enc.hash === undefined) return contentHash(enc.json);
    const n = typeof enc.hash === 'string' && enc.hash.length <= 44 ? this.scratch.write(enc.hash, 'base64') : 0;
    const given = this.scratch.subarray(0, n);
    if (n !== HASH_BYTES || (this.hashChecks++ % HASH_SAMPLE === 0 && !given.equals(contentHash(enc.json)))) {
      throw new InvalidWriteError(`${enc.id}: the given content hash does not match its document`);
    }
    return given;
  }

  private assertWritable(): void {
    if (this.closed) throw new Error('the store is closed');
    // A StorageUnavailableError until `resume`; any other failure until reopened.
    if (this.writer.failed) throw this.writer.failed;
  }

  /** Formatting a time per row shows in profiles; rows of one read share few revisions. */
  private timeMemo(): (main: number) => string {
    const cache = new Map<number, string>();
    return (main) => {
      const hit = cache.get(main);
      if (hit !== undefined) return hit;
      const iso = this.timeOf(main) ?? '';
      cache.set(main, iso);
      return iso;
    };
  }

  private docRef(row: number): { seg: number; off: number; len: number } {
    const t = this.state.table;
    return { seg: t.seg[row] as number, off: t.off[row] as number, len: t.len[row] as number };
  }

  private kindOf(row: number, prev: number): DeltaKind {
    const t = this.state.table;
    if (t.isTombstone(row)) return 'tombstoned';
    if (t.ver[row] === 1) return prev >= 0 ? 'reappeared' : 'added';
    return 'modified';
  }

  private meta(row: number, time?: string): VersionMeta {
    const t = this.state.table;
    const main = t.main[row] as number;
    return {
      revision: { main, sub: t.sub[row] as number },
      created: t.created[row] as number,
      version: t.ver[row] as number,
      tombstone: t.isTombstone(row),
      content_hash: t.hashString(row),
      time: time ?? this.timeOf(main) ?? '',
    };
  }

  private stored(ki: KeyIndex, row: number, json?: string): StoredVersion {
    return {
      id: ki.id,
      ...this.meta(row),
      ...(json !== undefined ? { resource: JSON.parse(json) as AnyResource } : {}),
    };
  }

  private resultFor(main: number, duplicate: boolean, withDocs: boolean, fresh?: Map<string, string>): ScanResult {
    const entry = this.state.revisions.get(main);
    const t = this.state.table;
    const timeOf = this.timeMemo();
    const time = timeOf(main);
    const deltas: Delta[] = (entry?.rows ?? []).map((row) => {
      const ki = t.owner[row] as KeyIndex;
      const prev = ki.previous(row);
      const d: Delta = {
        id: ki.id,
        kind: this.kindOf(row, prev),
        current: this.meta(row, time),
        previous: prev >= 0 ? this.meta(prev, timeOf(t.main[prev] as number)) : null,
      };
      if (withDocs) {
        if (!t.isTombstone(row)) d.current_json = fresh?.get(ki.id) ?? this.files.readString(this.docRef(row));
        if (prev >= 0 && !t.isTombstone(prev)) d.previous_json = this.files.readString(this.docRef(prev));
      }
      return d;
    });
    return {
      revision: main,
      time,
      duplicate,
      observed: entry?.observed ?? 0,
      unchanged: entry?.unchanged ?? 0,
      deltas,
      audit: [],
    };
  }

  private readAudit(seqs: number[]): AuditEntry[] {
    const a = this.state.audit;
    const docs = this.files.readMany(
      seqs.map((s) => ({ seg: a.seg[s - 1] as number, off: a.off[s - 1] as number, len: a.len[s - 1] as number })),
    );
    return docs.map((d) => JSON.parse(d) as AuditEntry);
  }
}

/** Where the writer goes on after recovery: the end of the last segment, or a fresh one. */
function openLogEnd(
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
async function probeWrite(dir: string, bytes: number): Promise<void> {
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

/** Builds the state from the checkpoint and the log; a checkpoint that disagrees with the log is dropped. */
function recover(dir: string) {
  const ckpt = readCheckpoint(dir);
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
    return { state, ...result };
  };
  if (ckpt.ok) {
    try {
      const r = attempt(ckpt.state, ckpt.pos);
      return { ...r, replayed: r.records, checkpoint: 'loaded' as const };
    } catch (err) {
      removeCheckpoint(dir);
      const r = attempt(new StoreState());
      return { ...r, replayed: r.records, checkpoint: `ignored: ${(err as Error).message}` as const };
    }
  }
  const r = attempt(new StoreState());
  return {
    ...r,
    replayed: r.records,
    checkpoint: ckpt.reason === null ? ('absent' as const) : (`ignored: ${ckpt.reason}` as const),
  };
}

function validateScope(scope: Scope): void {
  if (!scope || typeof scope !== 'object') throw new InvalidWriteError('scope is required');
  if (!isResourceType(scope.type)) throw new InvalidWriteError(`scope type ${JSON.stringify(scope.type)} is unknown`);
  try {
    // Every part of an id in this scope must be valid; ids are then checked by prefix alone.
    parseResourceId(`aws:${scope.account}:${scope.region}:${scope.type}:x`);
  } catch (err) {
    throw new InvalidWriteError(`scope ${scope.account}/${scope.region}/${scope.type}: ${(err as Error).message}`);
  }
}

function checkInScope(id: string, scope: Scope): void {
  let p: ReturnType<typeof parseResourceId>;
  try {
    p = parseResourceId(id);
  } catch (err) {
    throw new InvalidWriteError((err as Error).message);
  }
  if (p.account !== scope.account || p.region !== scope.region || p.type !== scope.type) {
    throw new InvalidWriteError(`${id} is outside the scope ${scope.account}/${scope.region}/${scope.type}`);
  }
}

function tagsOf(id: string, json: string): Record<string, string> {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new InvalidWriteError(`${id}: document is not JSON: ${(err as Error).message}`);
  }
  const tags = (doc as { tags?: unknown })?.tags ?? {};
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags))
    throw new InvalidWriteError(`${id}: tags must be a map`);
  return tags as Record<string, string>;
}

function checkTags(id: string, tags: unknown): Record<string, string> {
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags))
    throw new InvalidWriteError(`${id}: tags must be a map`);
  return tags as Record<string, string>;
}

function matchesPlace(ki: KeyIndex, f: RangeFilter): boolean {
  return (
    (!f.type || ki.type === f.type) && (!f.account || ki.account === f.account) && (!f.region || ki.region === f.region)
  );
}

function matchesTag(tags: Record<string, string> | null, tag: string | undefined): boolean {
  if (!tag) return true;
  const eq = tag.indexOf('=');
  if (eq < 0) return tags !== null && tag in tags;
  return tags?.[tag.slice(0, eq)] === tag.slice(eq + 1);
}
