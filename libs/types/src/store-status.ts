/** One scan of a scope as the store marked it: the revision it wrote and how many it observed. */
export interface ScanMarkSummary {
  revision: number;
  time: string;
  observed: number;
}

/** The store's size and where its history starts (`Store.stats()`). */
export interface StoreStats {
  /** The store's identity (IDENTITY in its data directory). */
  id: string;
  revision: number;
  /** The revision history starts at: 0 until a compaction. */
  compacted_at: number;
  resources: number;
  versions: number;
  audit_entries: number;
  segments: number;
  bytes: number;
}

/** `/v1/status` (and `elava status`): the store's identity, revision and size, and each scope's last scans. */
export interface StoreStatus {
  /** The store's identity (IDENTITY in its data directory). */
  store: string;
  revision: number;
  time: string | null;
  stats: StoreStats;
  scopes: {
    key: string;
    last_scan: ScanMarkSummary & { complete: boolean };
    /** The last scan of the scope that completed cleanly. */
    last_complete?: ScanMarkSummary;
  }[];
}
