import { parseConfig } from '@elava/config';
import { createLogger } from '@elava/log';
import { describe, expect, it } from 'vitest';
import type { PlannedScope } from './plan.js';
import { createSchedule } from './schedule.js';

const log = createLogger({ service: 'test', level: 'silent' });
const config = parseConfig(
  'version: "2.0"\nregions: [us-east-1, eu-west-1]\naccounts: organization\nscanning: { tiers: { all: { scan_interval: 10m } } }\n',
  '/x/elava.yaml',
  {},
);
// A Wednesday at noon: adaptive hours are off anyway, so only the accounts move the plan.
const NOON = new Date('2026-03-04T12:00:00Z');
const A = '111111111111';
const B = '222222222222';
const C = '333333333333';

/** The scheduler loop with the account list the test gives it, and what it asked the queue to hold. */
function harness(lists: (string[] | Error)[]) {
  const applied: string[][] = [];
  let i = 0;
  const schedule = createSchedule({
    config,
    accounts: async () => {
      const next = lists[Math.min(i++, lists.length - 1)] as string[] | Error;
      if (next instanceof Error) throw next;
      return next;
    },
    apply: async (scopes: PlannedScope[]) => {
      applied.push([...new Set(scopes.map((s) => s.scope.account))].sort());
    },
    log,
  });
  return { schedule, applied };
}

describe('the scheduler follows the account list (issue 18)', () => {
  it('plans again when an account joins and when one leaves, and only then', async () => {
    const { schedule, applied } = harness([
      [A, B],
      [B, A],
      [A, B, C],
      [A, C],
    ]);
    const first = await schedule.tick(NOON);
    expect(first).toMatchObject({ applied: true, accounts: [A, B], added: [A, B], removed: [] });
    const perAccount = first.plan.scopes.length / 2;
    expect(first.plan.scopes.filter((s) => s.scope.account === A)).toHaveLength(perAccount);

    // The same accounts in another order: nothing to do.
    expect(await schedule.tick(NOON)).toMatchObject({ applied: false, added: [], removed: [] });

    const joined = await schedule.tick(NOON);
    expect(joined).toMatchObject({ applied: true, added: [C], removed: [] });
    expect(joined.plan.scopes).toHaveLength(3 * perAccount);

    const left = await schedule.tick(NOON);
    expect(left).toMatchObject({ applied: true, added: [], removed: [B] });
    expect(left.plan.scopes.some((s) => s.scope.account === B)).toBe(false);
    expect(applied).toEqual([
      [A, B],
      [A, B, C],
      [A, C],
    ]);
  });

  it('keeps the last list when the account list cannot be read, and fails only the first tick', async () => {
    const broken = harness([new Error('AccessDenied: organizations:ListAccounts')]);
    await expect(broken.schedule.tick(NOON)).rejects.toThrow(/AccessDenied/);
    expect(broken.applied).toEqual([]);

    const { schedule, applied } = harness([[A, B], new Error('ThrottlingException'), [A]]);
    await schedule.tick(NOON);
    // An error is not an empty organization: nothing is unscheduled.
    expect(await schedule.tick(NOON)).toMatchObject({ applied: false, accounts: [A, B] });
    expect(await schedule.tick(NOON)).toMatchObject({ applied: true, removed: [B] });
    expect(applied).toEqual([[A, B], [A]]);
  });

  it('tries again on the next tick when the queue could not be reconciled', async () => {
    let fail = true;
    const applied: number[] = [];
    const schedule = createSchedule({
      config,
      accounts: async () => [A],
      apply: async (scopes) => {
        if (fail) throw new Error('Redis is gone');
        applied.push(scopes.length);
      },
      log,
    });
    await expect(schedule.tick(NOON)).rejects.toThrow(/Redis/);
    fail = false;
    expect(await schedule.tick(NOON)).toMatchObject({ applied: true });
    expect(applied).toHaveLength(1);
  });
});
