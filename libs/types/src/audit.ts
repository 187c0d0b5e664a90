export const AUDIT_ENTRY_TYPES = [
  'scan_started',
  'observed',
  'scan_completed',
  'scan_failed',
  'changes_detected',
  'policy_evaluated',
  'decided',
  'executing',
  'executed',
  'failed',
  'skipped',
  // Appended, never inserted: the store indexes entries by position in this list.
  'awaiting_approval',
  'approved',
  // Who made a version (per resource and revision): an event's actor, or CloudTrail's answer.
  'attributed',
] as const;
export type AuditEntryType = (typeof AUDIT_ENTRY_TYPES)[number];

/**
 * One entry of the hash-chained audit trail, published on `elava.wal.<type>` with
 * JetStream message id = `seq`. `hash` = sha256(prev_hash + canonical entry without hash).
 */
export interface AuditEntry {
  seq: number;
  type: AuditEntryType;
  time: string;
  /** Empty when the entry is about no single resource. */
  resource_id: string;
  revision?: number;
  data: Record<string, unknown>;
  /**
   * The writer's idempotency key (e.g. a job id): an entry whose key the trail already holds is
   * not written again, so a draft redelivered after a crash lands once.
   */
  key?: string;
  prev_hash: string;
  hash: string;
}

/** What a service hands the recorder; the recorder assigns seq, hashes and time order. */
export type AuditEntryDraft = Pick<AuditEntry, 'type' | 'resource_id' | 'data'> & {
  revision?: number;
  time?: string;
  key?: string;
};
