import type { CompactionReport } from './compaction.js';
import { CompactedError } from './errors.js';
import type { Store } from './kvstore.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** What keeping history back to a cutoff did: nothing to drop, or a compaction and its figures. */
export type RetentionOutcome =
  | { compacted: false; revision: number; cutoff: string }
  | ({ compacted: true; cutoff: string; versionsBefore: number; versionsAfter: number } & CompactionReport);

/**
 * Drops every version older than `cutoff`, each resource keeping the version in force then. A
 * cutoff at or before an earlier compaction drops nothing: asking for more history than is left is
 * not an error, so a daily `--retain 90d` after a one-off `--retain 30d` just waits.
 */
export async function compactBefore(store: Store, cutoff: Date): Promise<RetentionOutcome> {
  let rev: number;
  try {
    rev = store.resolve(cutoff);
  } catch (err) {
    if (!(err instanceof CompactedError)) throw err;
    rev = store.compactedAt;
  }
  if (rev <= store.compactedAt) return { compacted: false, revision: store.compactedAt, cutoff: cutoff.toISOString() };
  const versionsBefore = store.stats().versions;
  const report = await store.compact(rev);
  return {
    compacted: true,
    cutoff: cutoff.toISOString(),
    ...report,
    versionsBefore,
    versionsAfter: store.stats().versions,
  };
}

/**
 * The cutoff a retention asks for when it is worth acting on, else null. A compaction rewrites
 * every sealed segment, so it waits until the history past the retention spans a tenth of it
 * (an hour at least, a day at most): about once a day for 90 days, not every hour.
 */
export function retentionDue(store: Store, retentionMs: number, now = Date.now()): Date | null {
  if (!(retentionMs > 0) || store.revision === 0) return null;
  const cutoff = now - retentionMs;
  const oldest = store.timeOf(Math.max(1, store.compactedAt));
  if (oldest === undefined) return null;
  const slack = Math.min(DAY, Math.max(HOUR, retentionMs / 10));
  return Date.parse(oldest) <= cutoff - slack ? new Date(cutoff) : null;
}
