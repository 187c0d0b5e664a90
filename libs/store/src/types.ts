import type {
  AnyResource,
  AuditEntry,
  AuditEntryType,
  Delta,
  DeltaKind,
  FieldDiff,
  StoreStats,
  VersionMeta,
} from '@elava/types';

// The recorder → detector hand-over is a message contract, so its parts live in @elava/types.
export type { Delta, DeltaKind, VersionMeta } from '@elava/types';
export type { StoreStats };

/**
 * A resource already encoded by `encodeResource`, typically on a scanner, so the single writer
 * does not spend its time on it: `json` is the canonical document, `tags` its tags (saves a
 * parse for the tag index) and `hash` the base64 sha1 of `json` (saves hashing; a sample is
 * re-checked and a wrong one refuses the batch).
 */
export interface EncodedResource {
  id: string;
  json: string;
  tags?: Record<string, string>;
  hash?: string;
}

export type Observed = AnyResource | EncodedResource;

export interface StoredVersion<R = AnyResource> extends VersionMeta {
  id: string;
  /** Absent on tombstones. */
  resource?: R;
  /** The stored document, instead of `resource`, when asked for raw. */
  json?: string;
}

export interface HistoryEntry extends StoredVersion {
  /** Against the version before; empty for the first retained version. */
  diff: FieldDiff[];
}

export interface ScanResult {
  revision: number;
  time: string;
  /** True when this batch id had been applied already: nothing was written. */
  duplicate: boolean;
  observed: number;
  unchanged: number;
  deltas: Delta[];
  /** Audit entries committed with this revision (none on a duplicate: they were the first time). */
  audit: AuditEntry[];
}

export interface ChangeRecord {
  id: string;
  kind: DeltaKind;
  current: VersionMeta;
  previous: VersionMeta | null;
}

export interface AuditQuery {
  resource?: string;
  types?: readonly AuditEntryType[];
  since?: Date;
  /** Entries after this sequence number (a cursor). */
  after?: number;
  limit?: number;
}
