import { afterEach, describe, expect, it, vi } from 'vitest';
import { Store } from './kvstore.js';
import { compactBefore, retentionDue } from './retention.js';
import { instance, scope, tempDir } from './testing/fixtures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-11-01T00:00:00Z');

const open: Store[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const s of open.splice(0)) await s.close().catch(() => {});
});

/** A store with one version of instance 1 a day for `days` days, from T0 (only Date is faked). */
async function daily(days: number): Promise<Store> {
  vi.useFakeTimers({ toFake: ['Date'] });
  const s = await Store.open(tempDir(), { segmentBytes: 4096 });
  open.push(s);
  for (let d = 0; d < days; d++) {
    vi.setSystemTime(T0 + d * DAY);
    await s.applyScan(`d${d}`, scope(), [instance(1, { state: `s${d}` })], { complete: true });
  }
  return s;
}

describe('compactBefore', () => {
  it('drops the versions older than the cutoff, keeping the one in force then', async () => {
    const s = await daily(10);
    const out = await compactBefore(s, new Date(T0 + 4 * DAY + HOUR));
    expect(out).toMatchObject({ compacted: true, revision: 5, versionsBefore: 10, versionsAfter: 6 });
    expect(s.compactedAt).toBe(5);
    expect(s.get(instance(1).id, 5)?.resource?.attributes).toMatchObject({ state: 's4' });
  });

  it('drops nothing, without an error, for a cutoff before the history or before an earlier compaction', async () => {
    const s = await daily(10);
    expect(await compactBefore(s, new Date(T0 - DAY))).toMatchObject({ compacted: false, revision: 0 });
    await compactBefore(s, new Date(T0 + 6 * DAY));
    // More history asked for than is left: the store holds what it has and says where it starts.
    expect(await compactBefore(s, new Date(T0 + 2 * DAY))).toMatchObject({ compacted: false, revision: 7 });
    expect(await compactBefore(s, new Date(T0 + 6 * DAY + HOUR))).toMatchObject({ compacted: false, revision: 7 });
  });
});

describe('retentionDue', () => {
  it('waits until the history past the retention spans a tenth of it (an hour to a day)', async () => {
    const s = await daily(10);
    const now = T0 + 9 * DAY;
    expect(retentionDue(s, 0, now)).toBeNull();
    // Ten days of history: a retention of 9.5 days leaves half a day past it, under the day of slack.
    expect(retentionDue(s, 9.5 * DAY, now)).toBeNull();
    expect(retentionDue(s, 7 * DAY, now)).toEqual(new Date(now - 7 * DAY));
    // Under ten days of retention, the slack is a tenth: 0.85 days past 8.5 is more than there is.
    expect(retentionDue(s, 8.5 * DAY, now)).toBeNull();
    expect(retentionDue(s, 8 * DAY, now)).toEqual(new Date(now - 8 * DAY));
    // Never less than an hour: 5 hours of retention acts on an hour's history past it, not on less.
    expect(retentionDue(s, 5 * HOUR, T0 + 5.5 * HOUR)).toBeNull();
    expect(retentionDue(s, 5 * HOUR, T0 + 6 * HOUR)).toEqual(new Date(T0 + HOUR));
  });

  it('measures from the oldest version kept, so a compaction just done is not done again', async () => {
    const s = await daily(10);
    const now = T0 + 9 * DAY;
    const cutoff = retentionDue(s, 3 * DAY, now);
    expect(cutoff).not.toBeNull();
    await compactBefore(s, cutoff as Date);
    expect(retentionDue(s, 3 * DAY, now)).toBeNull();
    expect(retentionDue(s, 3 * DAY, now + DAY)).not.toBeNull();
  });

  it('says nothing for an empty store', async () => {
    const s = await Store.open(tempDir());
    open.push(s);
    expect(retentionDue(s, DAY)).toBeNull();
  });
});
