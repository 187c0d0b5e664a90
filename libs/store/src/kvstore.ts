import { closeSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEntry, AuditEntryDraft, Scope } from '@elava/types';
import type { AuditVerification } from './audit-chain.js';
import { type AuditText, AuditTrail } from './audit-trail.js';
import { awsKeyLabels } from './aws-keys.js';
import { CHECKPOINT_FILE, writeCheckpoint } from './checkpoint.js';
import { type CompactionReport, finishCompaction, runCompaction } from './compaction.js';
import { StoreCore } from './core.js';
import { writeResult } from './deltas.js';
import type { ListKeys } from './diff.js';
import {
  CompactedError,
  FutureRevisionError,
  InvalidWriteError,
  StorageUnavailableError,
  writeFailure,
} from './errors.js';
import type { DiffFilter, DiffOptions, EstateDiffEntry } from './estate-diff.js';
import { RecordType } from './format/record.js';
import { listSegments, segmentName } from './format/segment.js';
import { IDENTITY_FILE, loadOrCreateIdentity } from './identity.js';
import { KvView } from './kv-view.js';
import { type WriteRequest, WriteTxn } from './kvstore-txn.js';
import { acquireLock } from './lock.js';
import { LogWriter } from './log-writer.js';
import { asRecord } from './record-codec.js';
import { openLogEnd, probeWrite, recover } from './recovery.js';
import type { TornTail } from './replay.js';
import { type ScanWriteOptions, scanWrite } from './scan-write.js';
import { SegmentFiles } from './segment-files.js';
import type { RevisionSelector } from './selector.js';
import type { ScopeState, StoreState } from './state.js';
import type { KeyLabeler, RangeFilter } from './tree-index.js';
import type {
  AuditQuery,
  ChangeRecord,
  Delta,
  HistoryEntry,
  Observed,
  ScanResult,
  StoredVersion,
  StoreStats,
} from './types.js';

export interface StoreOptions {
  /** A segment is closed and a new one started past this size. */
  segmentBytes?: number;
  /** Write an index checkpoint after this many revisions… */
  checkpointEvery?: number;
  /** …or after this long, whichever comes first. */
  checkpointIntervalMs?: number;
  /** Take the single-writer lock (readers of a copy may skip it). */
  lock?: boolean;
  /** How keys are labelled for the type and place indexes; Elava's `aws:` ids by default. */
  keyLabels?: KeyLabeler;
}

export interface OpenReport {
  checkpoint: 'loaded' | 'absent' | `ignored: ${string}`;
  replayedRecords: number;
  torn: TornTail | null;
  finishedCompaction: boolean;
  ms: number;
}

const DEFAULTS = { segmentBytes: 64 * 1024 * 1024, checkpointEvery: 10_000, checkpointIntervalMs: 5 * 60_000 };
const PROBE_BYTES = 1024 * 1024;
/** After a checkpoint failed (a full disk), the next try waits this long. */
const CHECKPOINT_RETRY_MS = 60_000;
/** How long the writer is idle before queued tag pairs are indexed, and how many at a time. */
const TAG_SETTLE_IDLE_MS = 200;
const TAG_SETTLE_SLICE = 20_000;

/**
 * Elava's memory: every version of every resource in an append-only, checksummed log, with an
 * in-memory index for reads at any revision. One process writes; reads are served from the
 * index and positional reads of the log, and only ever see committed (fsynced) revisions.
 *
 * This file is the store's lifecycle (open, checkpoint, compaction, resume, close); writes are
 * kvstore-txn.ts, reads kv-view.ts, the audit trail audit-trail.ts, recovery recovery.ts.
 */
export class Store {
  private lastCheckpoint = { rev: 0, at: Date.now() };
  private tagTimer: NodeJS.Timeout | null = null;
  private checkpointRetryAt = 0;
  private compacting: Promise<CompactionReport> | null = null;
  private resuming: Promise<boolean> | null = null;
  private readonly view: KvView;
  private readonly trail: AuditTrail;
  private readonly txn: WriteTxn;

  private constructor(
    private readonly core: StoreCore,
    private readonly opts: Required<StoreOptions>,
    private readonly unlock: () => void,
    readonly report: OpenReport,
    /** The store's identity (IDENTITY in its directory): part of every key derived from its state. */
    readonly id: string,
  ) {
    this.lastCheckpoint.rev = core.committed;
    this.view = new KvView(core);
    this.trail = new AuditTrail(core);
    this.txn = new WriteTxn(core, this.view, this.trail);
  }

  static async open(dir: string, options: StoreOptions = {}): Promise<Store> {
    const started = Date.now();
    const opts: Required<StoreOptions> = { ...DEFAULTS, lock: true, keyLabels: awsKeyLabels, ...options };
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
    const unlock = opts.lock ? acquireLock(dir) : () => {};
    try {
      const finishedCompaction = finishCompaction(dir);
      for (const f of readdirSync(dir)) if (f.endsWith('.tmp')) rmSync(join(dir, f), { force: true });
      // A reader of a copy (no lock) writes nothing, not even an identity the copy lacks.
      const id = opts.lock || existsSync(join(dir, IDENTITY_FILE)) ? loadOrCreateIdentity(dir).id : 'unknown';
      const { state, end, torn, checkpoint, replayed } = recover(dir, opts.keyLabels);
      const log = openLogEnd(dir, state, end, torn);
      let store: Store | null = null;
      const writer = newWriter(dir, state, log, opts.segmentBytes, () => store?.afterFlush());
      const core = new StoreCore(dir, state, writer, new SegmentFiles(dir));
      const report = { checkpoint, replayedRecords: replayed, torn, finishedCompaction, ms: Date.now() - started };
      store = new Store(core, opts, unlock, report, id);
      // The tags a checkpoint or a replay brought back are indexed as after writes: shortly.
      store.settleTagsWhenIdle();
      return store;
    } catch (err) {
      unlock();
      throw err;
    }
  }

  get dir(): string {
    return this.core.dir;
  }

  /** The newest committed revision. */
  get revision(): number {
    return this.core.committed;
  }

  /** Whether a batch id has been applied (and is still remembered). */
  isApplied(batchId: string): boolean {
    return (this.core.state.batches.get(batchId) ?? Number.POSITIVE_INFINITY) <= this.core.committed;
  }

  get compactedAt(): number {
    return this.core.state.compactedAt;
  }

  // ---------------------------------------------------------------- writes

  /**
   * Commits puts and deletes the caller built as one revision (kvstore-txn.ts); resolves once
   * durable. A batch id seen before is a no-op that returns the original result.
   */
  write(req: WriteRequest): Promise<ScanResult> {
    return this.txn.commit(req);
  }

  /**
   * Records one page of a scan as one revision (scan-write.ts builds the write). Unchanged
   * resources add no version; new and changed ones do; when `complete`, every live resource of
   * an unfiltered scope that the scan did not see gets a tombstone in the same revision.
   */
  async applyScan(
    batchId: string,
    scope: Scope,
    observations: Observed[],
    opts: ScanWriteOptions = {},
  ): Promise<ScanResult> {
    this.core.assertWritable();
    // A redelivery is answered from the first delivery, whatever it carries now.
    if (typeof batchId === 'string' && this.core.state.batches.has(batchId))
      return this.txn.commit({ batch: batchId, scope, puts: [], withDocuments: opts.withDocuments });
    return this.txn.commit(scanWrite(this, batchId, scope, observations, opts));
  }

  /** Every key ever written under `prefix` (live or not), in key order. */
  *keys(prefix: string): Generator<string> {
    for (const ki of this.core.state.tree.withPrefix(prefix)) yield ki.id;
  }

  /** Appends entries to the hash-chained audit trail; resolves with them once durable. */
  appendAudit(drafts: AuditEntryDraft | AuditEntryDraft[]): Promise<AuditEntry[]> {
    return this.trail.append(drafts);
  }

  // ----------------------------------------------------------------- reads (kv-view.ts)

  resolve(at?: RevisionSelector): number {
    return this.view.resolve(at);
  }

  timeOf(main: number): string | undefined {
    return this.view.timeOf(main);
  }

  get(id: string, at?: RevisionSelector): StoredVersion | null {
    return this.view.get(id, at);
  }

  range(
    filter: RangeFilter = {},
    opts: { at?: RevisionSelector; after?: string; limit?: number; raw?: boolean } = {},
  ): Generator<StoredVersion> {
    return this.view.range(filter, opts);
  }

  history(id: string, listKeys?: ListKeys): HistoryEntry[] {
    return this.view.history(id, listKeys);
  }

  diffBetween(
    from: RevisionSelector,
    to: RevisionSelector,
    filter: DiffFilter = {},
    opts: DiffOptions = {},
  ): Generator<EstateDiffEntry> {
    return this.view.diffBetween(from, to, filter, opts);
  }

  /**
   * The deltas a committed revision made, with their documents, as the write that made it returned
   * them (but tags): what the detector is handed, read back when its hand-over is lost. Throws
   * FutureRevisionError past the newest revision, CompactedError before the compaction point.
   */
  revisionDeltas(main: number): Delta[] {
    if (!Number.isInteger(main) || main < 1) throw new RangeError(`revision ${main} is not a revision number`);
    if (main > this.core.committed) throw new FutureRevisionError(main, this.core.committed);
    return writeResult(this.core, this.view, main, true, true).deltas;
  }

  changesSince(since: RevisionSelector, filter: RangeFilter = {}, limit = Number.POSITIVE_INFINITY): ChangeRecord[] {
    return this.view.changesSince(since, filter, limit);
  }

  scopes(): ScopeState[] {
    return this.view.scopes();
  }

  // ----------------------------------------------------------------- audit (audit-trail.ts)

  auditByKey(key: string): AuditEntry | undefined {
    return this.trail.byKey(key);
  }

  audit(q: AuditQuery = {}): AuditEntry[] {
    return this.trail.query(q);
  }

  /** The same entries as `audit`, as the JSON text stored, with sequence number and type. */
  auditText(q: AuditQuery = {}): AuditText[] {
    return this.trail.queryText(q);
  }

  /** The newest committed audit sequence number. */
  get auditSeq(): number {
    return this.core.auditCommitted;
  }

  verifyAudit(): AuditVerification {
    return this.trail.verify();
  }

  stats(): StoreStats {
    const { dir, state } = this.core;
    const ids = listSegments(dir);
    return {
      id: this.id,
      revision: this.core.committed,
      compacted_at: state.compactedAt,
      resources: state.tree.size,
      versions: state.versions,
      audit_entries: this.core.auditCommitted,
      segments: ids.length,
      bytes: ids.reduce((sum, id) => sum + statSync(join(dir, segmentName(id))).size, 0),
    };
  }

  // ------------------------------------------------------------ maintenance

  /**
   * Drops every version older than the newest one at or before `rev`, rewriting sealed segments
   * in the background while writes continue. Reads below `rev` fail with CompactedError.
   */
  compact(rev: number): Promise<CompactionReport> {
    const core = this.core;
    core.assertWritable();
    if (this.compacting) return Promise.reject(new InvalidWriteError('a compaction is already running'));
    if (!Number.isInteger(rev) || rev > core.committed) throw new FutureRevisionError(rev, core.committed);
    if (rev <= core.state.compactedAt) throw new CompactedError(rev, core.state.compactedAt);
    const run = async () => {
      await core.writer.append({
        type: RecordType.Compacted,
        build: () => asRecord(Buffer.from(JSON.stringify({ rev }))),
        placed: () => {},
      });
      core.state.applyCompaction(rev);
      await core.writer.rotate(core.state.lastRevision + 1);
      const report = await runCompaction({
        dir: core.dir,
        state: core.state,
        files: core.files,
        segmentBytes: this.opts.segmentBytes,
        activeSegment: core.writer.position.seg,
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
    await this.core.writer.idle();
    writeCheckpoint(this.core.dir, this.core.state, this.core.writer.position);
    this.lastCheckpoint = { rev: this.core.committed, at: Date.now() };
  }

  /**
   * Tag pairs the writes queued are indexed once the writer has been idle for
   * TAG_SETTLE_IDLE_MS, a slice at a time, so neither a page nor a query waits for a first scan's.
   */
  private settleTagsWhenIdle(): void {
    if (this.core.closed || this.core.state.tree.unsettledTags === 0) return;
    if (this.tagTimer) this.tagTimer.refresh();
    else this.tagTimer = setTimeout(() => this.settleTagSlice(), TAG_SETTLE_IDLE_MS).unref();
  }

  private settleTagSlice(): void {
    this.tagTimer = null;
    if (this.core.closed) return;
    if (this.core.writer.busy) this.settleTagsWhenIdle();
    else if (!this.core.state.tree.settleTags(TAG_SETTLE_SLICE))
      this.tagTimer = setTimeout(() => this.settleTagSlice(), 0).unref();
  }

  /** After each durable flush, with nothing left in flight. */
  private afterFlush(): void {
    this.settleTagsWhenIdle();
    this.maybeCheckpoint();
  }

  private maybeCheckpoint(): void {
    const committed = this.core.committed;
    const due =
      committed - this.lastCheckpoint.rev >= this.opts.checkpointEvery ||
      (committed > this.lastCheckpoint.rev && Date.now() - this.lastCheckpoint.at >= this.opts.checkpointIntervalMs);
    if (!due || this.compacting || Date.now() < this.checkpointRetryAt) return;
    try {
      writeCheckpoint(this.core.dir, this.core.state, this.core.writer.position);
      this.lastCheckpoint = { rev: committed, at: Date.now() };
    } catch {
      // A checkpoint is optional (the log alone is the truth): on a full disk, give its space back
      // and try again a minute later rather than after every flush.
      this.dropCheckpointTemp();
      this.checkpointRetryAt = Date.now() + CHECKPOINT_RETRY_MS;
    }
  }

  private dropCheckpointTemp(): void {
    try {
      rmSync(join(this.core.dir, `${CHECKPOINT_FILE}.tmp`), { force: true });
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

  private async tryResume(probeBytes: number): Promise<boolean> {
    const core = this.core;
    if (core.closed) throw new Error('the store is closed');
    const failure = core.writer.failed;
    if (!failure) return false;
    if (!(failure instanceof StorageUnavailableError)) throw failure;
    await this.compacting?.catch(() => {});
    await core.writer.idle();
    await probeWrite(core.dir, probeBytes);
    let state: StoreState;
    let log: ReturnType<typeof openLogEnd>;
    try {
      const recovered = recover(core.dir, this.opts.keyLabels);
      state = recovered.state;
      log = openLogEnd(core.dir, state, recovered.end, recovered.torn);
    } catch (err) {
      throw writeFailure(err, core.dir);
    }
    if (core.closed) {
      closeSync(log.fd);
      throw new Error('the store is closed');
    }
    core.writer.close();
    core.files.close();
    core.state = state;
    core.writer = newWriter(core.dir, state, log, this.opts.segmentBytes, () => this.afterFlush());
    core.committed = state.lastRevision;
    core.auditCommitted = state.audit.seq;
    this.lastCheckpoint = { rev: core.committed, at: Date.now() };
    this.settleTagsWhenIdle();
    return true;
  }

  async close(): Promise<void> {
    const core = this.core;
    if (core.closed) return;
    core.closed = true;
    if (this.tagTimer) clearTimeout(this.tagTimer);
    await this.compacting?.catch(() => {});
    await this.resuming?.catch(() => {});
    await core.writer.idle();
    if (!core.writer.failed) {
      try {
        writeCheckpoint(core.dir, core.state, core.writer.position);
      } catch {
        // Optional, and a full disk must not keep the lock held: the next open replays the tail.
        this.dropCheckpointTemp();
      }
    }
    core.writer.close();
    core.files.close();
    this.unlock();
  }
}

function newWriter(
  dir: string,
  state: StoreState,
  log: { seg: number; fd: number; size: number },
  segmentBytes: number,
  afterFlush: () => void,
): LogWriter {
  return new LogWriter(dir, log.seg, log.fd, log.size, segmentBytes, {
    afterFlush,
    nextRevision: () => state.lastRevision + 1,
  });
}
