import { createLogger } from '@elava/log';
import { Store } from '@elava/store';
import { instance, scope, tempDir } from '@elava/store/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startRetention } from './retention.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const log = createLogger({ service: 'test', level: 'silent' });
const open: Store[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const s of open.splice(0)) await s.close().catch(() => {});
});

/** Ten days of history, a version a day; the clock (Date only) left at the last day. */
async function tenDays(): Promise<Store> {
  vi.useFakeTimers({ toFake: ['Date'] });
  const s = await Store.open(tempDir(), { segmentBytes: 4096 });
  open.push(s);
  for (let d = 0; d < 10; d++) {
    vi.setSystemTime(T0 + d * DAY);
    await s.applyScan(`d${d}`, scope(), [instance(1, { state: `s${d}` })], { complete: true });
  }
  return s;
}

describe('startRetention', () => {
  it('compacts the history past storage.retention on its own, once', async () => {
    const s = await tenDays();
    const r = startRetention({ store: s, retentionMs: 3 * DAY, log, everyMs: 5 });
    await vi.waitUntil(() => s.compactedAt > 0, { timeout: 5_000 });
    // Six days ago from day 9: revision 7 (day 6) was in force then.
    expect(s.compactedAt).toBe(7);
    expect(s.stats().versions).toBe(4);
    await new Promise((res) => setTimeout(res, 50));
    expect(s.compactedAt).toBe(7);
    await r.stop();
  });

  it('keeps everything when the retention is 0s', async () => {
    const s = await tenDays();
    const r = startRetention({ store: s, retentionMs: 0, log, everyMs: 5 });
    await new Promise((res) => setTimeout(res, 50));
    expect(s.compactedAt).toBe(0);
    expect(s.stats().versions).toBe(10);
    await r.stop();
  });
});
