import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createQueue, createRedis, QUEUES } from '@elava/bus';
import { parseConfig } from '@elava/config';
import { planScopes, reconcile, SWEEP_TIER } from '@elava/scheduler';
import { RESOURCE_TYPES, type ScanJob } from '@elava/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infra, silentLog, unique } from '../support/infra.js';
import { collectPages } from '../support/pages.js';
import { motoProxy } from '../support/proxy.js';
import { resetMoto, seedDbInstances } from '../support/seed.js';

const ACCOUNT = '123456789012';

function startScanner(
  prefix: string,
  endpoint: string,
  lockMs = 30_000,
): Promise<ChildProcess & { scanned: string[] }> {
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, 'scanner-process.mjs'), prefix, infra().redis, endpoint, String(lockMs)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  ) as ChildProcess & { scanned: string[] };
  child.scanned = [];
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      for (const line of String(d).split('\n')) {
        if (line === 'ready') resolve(child);
        if (line.startsWith('scanned ')) child.scanned.push(line.split(' ')[1] as string);
      }
    });
    child.on('exit', (code, signal) => reject(new Error(`scanner exited early (${code ?? signal})`)));
  });
}

describe('scheduling and scaling out', () => {
  const children: ChildProcess[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    await resetMoto(infra().moto);
    await seedDbInstances(infra().moto, 'us-west-2', 25);
  });
  function scanQueue(prefix: string) {
    const redis = createRedis(infra().redis, 'producer');
    const queue = createQueue<ScanJob>(QUEUES.scan, { connection: redis, prefix });
    closers.push(async () => {
      await queue.close();
      redis.disconnect();
    });
    return queue;
  }

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const close of closers.reverse()) await close();
  });

  it('reconciles job schedulers idempotently, removes stale ones, and scans at once', async () => {
    const prefix = unique('elava-sched');
    const queue = scanQueue(prefix);
    const c = parseConfig(
      'version: "2.0"\nregions: [us-east-1]\nscanning:\n  tiers:\n    all: { scan_interval: 1h, patterns: [] }\n',
      '/x.yaml',
      {},
    );
    const { scopes } = planScopes(c, [ACCOUNT]);
    await reconcile(queue, scopes, (s) => s.intervalMs, silentLog);
    await reconcile(queue, scopes, (s) => s.intervalMs, silentLog);
    expect((await queue.getJobSchedulers()).length).toBe(RESOURCE_TYPES.length);
    // The first scan of every scope is due now, not an hour from now.
    const due = await queue.getJobCounts('waiting', 'delayed', 'prioritized');
    expect((due.waiting ?? 0) + (due.prioritized ?? 0)).toBe(RESOURCE_TYPES.length);
    const fewer = await reconcile(queue, scopes.slice(0, 3), (s) => s.intervalMs, silentLog);
    expect(fewer.removed).toBe(RESOURCE_TYPES.length - 3);
    expect((await queue.getJobSchedulers()).length).toBe(3);
  });

  it('three scanner processes on one queue scan each scope once per tick, none twice', async () => {
    const prefix = unique('elava-scale');
    const pages = collectPages(prefix);
    closers.push(() => pages.close());
    for (let i = 0; i < 3; i++) children.push(await startScanner(prefix, infra().moto));
    const queue = scanQueue(prefix);
    const c = parseConfig(
      'version: "2.0"\nregions: [us-east-1, us-west-2]\nscanning:\n  tiers:\n    all: { scan_interval: 3s, patterns: [{ type: [ec2.vpc, ec2.subnet, rds.instance] }] }\n',
      '/x.yaml',
      {},
    );
    // The check_interval sweep of every other type is not what this test is about.
    const scopes = planScopes(c, [ACCOUNT]).scopes.filter((s) => s.tier !== SWEEP_TIER);
    expect(scopes).toHaveLength(6);
    await reconcile(queue, scopes, (s) => s.intervalMs, silentLog);
    await pages.until(() => pages.finals().length >= 12, 60_000);
    await queue.removeJobScheduler('ignored');
    for (const s of await queue.getJobSchedulers()) await queue.removeJobScheduler(s.key);

    const finals = pages.finals();
    const perScan = new Map<string, number>();
    for (const f of finals) perScan.set(f.scan_id, (perScan.get(f.scan_id) ?? 0) + 1);
    expect([...perScan.values()].every((n) => n === 1)).toBe(true);
    // Every scope got its scans, and the work was shared.
    const perScope = new Map<string, number>();
    for (const f of finals)
      perScope.set(`${f.scope.region}/${f.scope.type}`, (perScope.get(`${f.scope.region}/${f.scope.type}`) ?? 0) + 1);
    expect(perScope.size).toBe(6);
    const scanners = children.map((c) => (c as ChildProcess & { scanned: string[] }).scanned.length);
    expect(scanners.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    expect(finals.every((f) => f.final?.status === 'complete')).toBe(true);
  });

  it('gives the job of a scanner killed mid-scan to another, which scans it again under a new attempt', async () => {
    const prefix = unique('elava-kill');
    const pages = collectPages(prefix);
    closers.push(() => pages.close());
    // A slow way to moto, so the first scanner is surely mid-scan when it dies.
    const slow = await motoProxy({ delayMs: 700 });
    closers.push(() => slow.close());
    const endpoint = slow.url;

    const first = await startScanner(prefix, endpoint, 2_000);
    children.push(first);
    const queue = scanQueue(prefix);
    await queue.add('scan', {
      scan_id: 'killed-scan',
      scope: { account: ACCOUNT, region: 'us-west-2', type: 'rds.instance' },
      requested_by: 'cli',
    });
    await pages.until(() => pages.pages.length >= 1, 30_000);
    first.kill('SIGKILL');
    const second = await startScanner(prefix, endpoint, 2_000);
    children.push(second);
    await pages.until(() => pages.finals().length === 1, 60_000);

    const attempts = new Set(pages.pages.map((p) => p.attempt));
    expect(attempts.size).toBe(2);
    const final = pages.finals()[0]!;
    expect(final.attempt).toBeGreaterThan(1);
    expect(final.final).toMatchObject({ status: 'complete', count: 25 });
    expect(new Set(pages.pages.map((p) => p.page_id)).size).toBe(pages.pages.length);
  });
});
