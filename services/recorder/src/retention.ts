import type { Logger } from '@elava/log';
import { compactBefore, retentionDue, type Store } from '@elava/store';

export interface RetentionOptions {
  store: Store;
  /** `storage.retention`: how much history to keep; 0 keeps everything and starts nothing. */
  retentionMs: number;
  log: Logger;
  /** How often to look whether a compaction is due (cheap: a clock lookup). */
  everyMs?: number;
}

/**
 * Keeps the store's history to `storage.retention` by compacting on its own, so a store left alone
 * does not grow for ever. It looks every few minutes and acts only when a compaction is worth it
 * (`retentionDue`); a compaction asked for meanwhile (`elava compact`) is simply not repeated.
 */
export function startRetention(o: RetentionOptions): { stop: () => Promise<void> } {
  if (!(o.retentionMs > 0)) return { stop: async () => {} };
  let running: Promise<void> | null = null;
  const check = () => {
    if (running) return;
    const cutoff = retentionDue(o.store, o.retentionMs);
    if (!cutoff) return;
    o.log.info({ cutoff: cutoff.toISOString(), retention_ms: o.retentionMs }, 'compacting history past the retention');
    running = compactBefore(o.store, cutoff)
      .then((outcome) => o.log.info(outcome, outcome.compacted ? 'compacted' : 'nothing to compact'))
      .catch((err: Error) =>
        o.log.warn({ err: err.message }, 'compaction for the retention failed; trying again later'),
      )
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(check, o.everyMs ?? 5 * 60_000);
  timer.unref();
  setImmediate(check);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
