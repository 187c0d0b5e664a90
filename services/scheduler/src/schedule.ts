import type { ElavaConfig } from '@elava/config';
import type { Logger } from '@elava/log';
import { intervalNow, type Plan, type PlannedScope, planScopes } from './plan.js';

export type ScheduleConfig = Pick<ElavaConfig, 'scanning' | 'regions' | 'accounts'> & {
  change_detection: Pick<ElavaConfig['change_detection'], 'check_interval'>;
};

export interface ScheduleDeps {
  config: ScheduleConfig;
  /** The accounts to scan now; throws when it cannot tell (never an empty list for an error). */
  accounts: () => Promise<string[]>;
  /** Makes the queue's schedulers match these scopes (reconcile.ts). */
  apply: (scopes: PlannedScope[], intervalOf: (s: PlannedScope) => number) => Promise<unknown>;
  log: Logger;
}

export interface TickResult {
  /** Whether the schedulers were reconciled on this tick. */
  applied: boolean;
  plan: Plan;
  accounts: string[];
  added: string[];
  removed: string[];
}

/**
 * The scheduler's loop, one tick a minute: the plan is made again when the account list changes
 * (an account joined or left the organization: its scopes are scheduled or removed, without a
 * restart), and the schedulers are reconciled then, or when work hours begin or end. When the
 * list cannot be read the last one stands; only the first tick fails (the caller retries it).
 */
export function createSchedule(deps: ScheduleDeps): { tick(now?: Date): Promise<TickResult> } {
  let accounts: string[] | null = null;
  let plan: Plan | null = null;
  /** What the queue's schedulers were last made to match: set only once `apply` succeeded. */
  let appliedKey: string | null = null;

  return {
    async tick(now = new Date()) {
      let next: string[];
      try {
        next = [...new Set(await deps.accounts())].sort();
      } catch (err) {
        if (!accounts || !plan) throw err;
        deps.log.warn({ err: (err as Error).message }, 'cannot read the account list; keeping the last one');
        next = accounts;
      }
      const before = new Set(accounts ?? []);
      const after = new Set(next);
      const added = next.filter((a) => !before.has(a));
      const removed = [...before].filter((a) => !after.has(a));
      const replan = plan === null || added.length > 0 || removed.length > 0;
      if (replan) {
        plan = planScopes(deps.config, next);
        if (accounts !== null)
          deps.log.info({ added, removed, accounts: next.length }, 'the account list changed: planning again');
        accounts = next;
      }
      const off = intervalNow(1, deps.config.scanning.adaptive_hours, now) !== 1;
      const key = `${off}|${next.join(',')}`;
      const applied = key !== appliedKey;
      const current = plan as Plan;
      if (applied) {
        await deps.apply(deps.config.scanning.enabled ? current.scopes : [], (s) =>
          intervalNow(s.intervalMs, deps.config.scanning.adaptive_hours, now),
        );
        appliedKey = key;
        deps.log.info({ scopes: current.scopes.length, accounts: next.length, offHours: off }, 'schedule in force');
      }
      return { applied, plan: current, accounts: next, added, removed };
    },
  };
}
