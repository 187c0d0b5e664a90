import type { LogWriter } from './log-writer.js';
import type { DocRef, SegmentFiles } from './segment-files.js';
import type { StoreState } from './state.js';

/**
 * What the store's parts share: the in-memory state, the log's writer and read handles, and
 * how far writes are durable. `resume` swaps state and writer, so every part reads them here
 * rather than keeping its own reference.
 */
export class StoreCore {
  /** The newest durable revision: readers never see past it. */
  committed: number;
  /** The newest durable audit sequence number. */
  auditCommitted: number;
  closed = false;

  constructor(
    readonly dir: string,
    public state: StoreState,
    public writer: LogWriter,
    readonly files: SegmentFiles,
  ) {
    this.committed = state.lastRevision;
    this.auditCommitted = state.audit.seq;
  }

  assertWritable(): void {
    if (this.closed) throw new Error('the store is closed');
    // A StorageUnavailableError until `resume`; any other failure until reopened.
    if (this.writer.failed) throw this.writer.failed;
  }

  docRef(row: number): DocRef {
    const t = this.state.table;
    return { seg: t.seg[row] as number, off: t.off[row] as number, len: t.len[row] as number };
  }

  readDocs(rows: readonly number[]): string[] {
    return this.files.readMany(rows.map((r) => this.docRef(r)));
  }
}
