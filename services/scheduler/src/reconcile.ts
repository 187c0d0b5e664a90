import type { Logger } from '@elava/log';
import type { ScanJob } from '@elava/types';
import type { Queue } from 'bullmq';
import type { PlannedScope } from './plan.js';

const PREFIX = 'scan:';

/**
 * Makes the queue's job schedulers match the plan: one per scope, upserted (so a restart changes
 * nothing), and those for scopes no longer planned removed. Each scheduler's first scan runs at
 * once, not one interval later.
 */
export async function reconcile(
  queue: Queue<ScanJob>,
  scopes: PlannedScope[],
  intervalOf: (s: PlannedScope) => number,
  log: Logger,
): Promise<{ upserted: number; removed: number }> {
  const wanted = new Set<string>();
  for (const s of scopes) {
    const id = `${PREFIX}${s.key}`;
    wanted.add(id);
    await queue.upsertJobScheduler(
      id,
      { every: intervalOf(s) },
      { name: 'scan', data: { scope: s.scope, requested_by: 'scheduler', tier: s.tier } },
    );
  }
  let removed = 0;
  for (const existing of await queue.getJobSchedulers()) {
    const id = existing.key ?? existing.id ?? '';
    if (id.startsWith(PREFIX) && !wanted.has(id)) {
      await queue.removeJobScheduler(id);
      removed++;
    }
  }
  log.info({ scopes: scopes.length, removed }, 'scan schedule reconciled');
  return { upserted: scopes.length, removed };
}
