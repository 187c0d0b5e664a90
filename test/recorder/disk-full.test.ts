import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createQueue, createRedis, QUEUES } from '@elava/bus';
import { encodeResource, Store } from '@elava/store';
import { instance } from '@elava/store/testing';
import type { AuditEntryDraft, ObservationPage, Scope } from '@elava/types';
import type { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/cluster.js';
import { infra, tempDirFor, unique } from '../support/infra.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'services/recorder/dist/main.js');
/** The store's test seam (libs/store/src/log-io.ts), as the recorder process loads it. */
const SEAM = pathToFileURL(join(ROOT, 'libs/store/dist/log-io.js')).href;
const SCOPE: Scope = { account: '123456789012', region: 'us-east-1', type: 'ec2.instance' };
const PAGES = 12;
const PER_PAGE = 10;
/** Pages recorded before the disk fills; the rest arrive while it is full. */
const BEFORE = 4;
const PROBE_MS = 300;

/**
 * A small tmpfs where the machine allows the mount (root on Linux); where it refuses, the store's
 * write calls answer ENOSPC while a marker file exists. ELAVA_TEST_DISK_FULL=inject forces the latter.
 */
function tmpfsAllowed(): boolean {
  if (process.env.ELAVA_TEST_DISK_FULL === 'inject' || process.platform !== 'linux') return false;
  const probe = tempDirFor('elava-tmpfs-probe-');
  const mounted =
    spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' }).status === 0;
  if (mounted) spawnSync('umount', [probe], { stdio: 'ignore' });
  rmSync(probe, { recursive: true, force: true });
  return mounted;
}
const TMPFS = tmpfsAllowed();
const HOW = TMPFS
  ? 'a 16 MiB tmpfs filled by a ballast file'
  : `ENOSPC injected at the store's write calls (${process.env.ELAVA_TEST_DISK_FULL === 'inject' ? 'ELAVA_TEST_DISK_FULL=inject' : 'this machine refused to mount a tmpfs'})`;

describe('the recorder when its disk fills up mid-scan', () => {
  const closers: (() => unknown)[] = [];
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
  });

  it(`stops, acknowledges nothing it did not write, says why in /readyz, and resumes without loss: ${HOW}`, async () => {
    console.log(`disk-full test: ${HOW}`);
    const prefix = unique('elava-full');
    const work = tempDirFor('elava-full-');
    const disk = join(work, 'disk');
    mkdirSync(disk);
    if (TMPFS) {
      const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', disk], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
    closers.push(() => {
      if (TMPFS && spawnSync('umount', [disk]).status !== 0) spawnSync('umount', ['-l', disk]);
      rmSync(work, { recursive: true, force: true });
    });
    const data = join(disk, 'data');
    const ballast = join(disk, 'ballast');
    const marker = join(work, 'DISK-FULL');
    const fill = () => (TMPFS ? fillDisk(ballast) : writeFileSync(marker, ''));
    const free = () => rmSync(TMPFS ? ballast : marker, { force: true });

    const config = join(work, 'elava.yaml');
    writeFileSync(
      config,
      `version: "2.0"\nregions: [us-east-1]\nstorage: { dir: "${data}" }\nredis: { url: "${infra().redis}" }\nnats: { url: "${infra().nats}" }\n`,
    );
    const preload = join(work, 'disk-full.mjs');
    writeFileSync(
      preload,
      `import { existsSync } from 'node:fs';
import { injectLogIoFaultForTests } from '${SEAM}';
injectLogIoFaultForTests(() => existsSync(${JSON.stringify(marker)})
  ? Object.assign(new Error('ENOSPC: no space left on device (injected by the disk-full test)'), { code: 'ENOSPC', syscall: 'write' })
  : null);
`,
    );
    const port = await freePort();
    const lines: string[] = [];
    const recorder: ChildProcess = spawn(process.execPath, [...(TMPFS ? [] : ['--import', preload]), MAIN], {
      env: {
        ...process.env,
        ELAVA_CONFIG: config,
        ELAVA_QUEUE_PREFIX: prefix,
        ELAVA_LOG_LEVEL: 'warn',
        ELAVA_HTTP_PORT: String(port),
        ELAVA_STORAGE_PROBE_MS: String(PROBE_MS),
        REDIS_URL: infra().redis,
        NATS_URL: infra().nats,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [recorder.stdout, recorder.stderr])
      s?.on('data', (b: Buffer) => lines.push(...b.toString().split('\n').filter(Boolean)));
    closers.push(async () => {
      if (recorder.exitCode === null && recorder.signalCode === null) {
        const gone = new Promise((r) => recorder.once('exit', r));
        recorder.kill('SIGKILL');
        await gone;
      }
    });
    const until = async (check: () => boolean | Promise<boolean>, what: string, ms = 30_000) => {
      const deadline = Date.now() + ms;
      while (!(await check())) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}\n--- recorder log ---\n${lines.slice(-30).join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const readyz = async (): Promise<{ ready: boolean; checks: Record<string, string> } | null> => {
      try {
        return (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as {
          ready: boolean;
          checks: Record<string, string>;
        };
      } catch {
        return null;
      }
    };

    const producer = createRedis(infra().redis, 'producer');
    const observations: Queue<ObservationPage> = createQueue(QUEUES.observations, { connection: producer, prefix });
    const audit: Queue<AuditEntryDraft> = createQueue(QUEUES.audit, { connection: producer, prefix });
    closers.push(async () => {
      await observations.close();
      await audit.close();
      producer.disconnect();
    });
    const counts = () => observations.getJobCounts('completed', 'active', 'waiting', 'delayed', 'failed');

    // One scan of 12 pages of 10 instances; a few kB per page, so a page is a real write.
    const scanId = unique('full-scan');
    const observedAt = new Date().toISOString();
    const ids: string[] = [];
    const pages: ObservationPage[] = Array.from({ length: PAGES }, (_, p) => {
      const resources = Array.from({ length: PER_PAGE }, (_, i) =>
        encodeResource(instance(p * PER_PAGE + i, { tags: { Name: `web-${p}-${i}`, note: 'x'.repeat(300) } })),
      );
      ids.push(...resources.map((r) => r.id));
      return {
        scan_id: scanId,
        page_id: `${scanId}@1#${p}`,
        page: p,
        attempt: 1,
        scope: SCOPE,
        observed_at: observedAt,
        resources,
      };
    });
    (pages[PAGES - 1] as ObservationPage).final = { status: 'complete', count: ids.length, pages: PAGES, seen: ids };
    const send = (ps: ObservationPage[]) =>
      observations.addBulk(ps.map((p) => ({ name: 'page', data: p, opts: { jobId: p.page_id } })));

    await until(async () => (await readyz())?.ready === true, 'the recorder to be ready');
    await send(pages.slice(0, BEFORE));
    await until(async () => {
      const c = await counts();
      return c.completed === BEFORE && c.active === 0 && c.waiting === 0;
    }, `the first ${BEFORE} pages to be recorded`);

    // The disk fills up mid-scan; the rest of the scan arrives.
    fill();
    await send(pages.slice(BEFORE));
    let stopped: { ready: boolean; checks: Record<string, string> } | null = null;
    await until(async () => {
      stopped = await readyz();
      return stopped?.ready === false;
    }, 'the recorder to report not ready');
    expect(stopped).toMatchObject({
      ready: false,
      checks: { storage: expect.stringContaining(`no space left on device in ${data}`) },
    });
    // A draft from another service, while writes are stopped: it waits too.
    await audit.add('audit', {
      type: 'scan_started',
      resource_id: '',
      data: { scan_id: scanId, note: 'during the outage' },
    });

    // While full, across several probes: nothing more is acknowledged, nothing fails, it stays not ready.
    const outageEnds = Date.now() + 4 * PROBE_MS;
    while (Date.now() < outageEnds) {
      expect((await readyz())?.ready).toBe(false);
      expect(await counts()).toMatchObject({ completed: BEFORE, active: 0, failed: 0 });
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await counts()).toMatchObject({ waiting: PAGES - BEFORE, delayed: 0 });
    expect(await audit.getJobCounts('completed', 'failed', 'waiting')).toEqual({ completed: 0, failed: 0, waiting: 1 });

    // Space returns: the recorder resumes on its own and records the rest.
    free();
    await until(async () => (await readyz())?.ready === true, 'the recorder to be ready again');
    await until(async () => (await counts()).completed === PAGES, 'every page to be recorded');
    await until(async () => (await audit.getJobCounts('completed')).completed === 1, 'the draft to be recorded');
    expect(await counts()).toMatchObject({ failed: 0, delayed: 0, waiting: 0, active: 0 });
    expect(await audit.getJobCounts('failed')).toEqual({ failed: 0 });

    const exited = new Promise((r) => recorder.once('exit', r));
    recorder.kill('SIGTERM');
    expect(await exited).toBe(0);

    // One clear error for the outage, one line when it ended, no job ever failed.
    expect(lines.filter((l) => l.includes('storage refuses writes'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('recording resumed'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('job failed'))).toEqual([]);

    const store = await Store.open(data);
    try {
      // Every page once, one revision each, every instance there, the trail whole.
      const trail = store.audit();
      const recorded = trail.filter((e) => e.type === 'observed').map((e) => (e.data as { page_id: string }).page_id);
      expect(recorded.slice(0, BEFORE)).toEqual(pages.slice(0, BEFORE).map((p) => p.page_id));
      expect([...recorded].sort()).toEqual(pages.map((p) => p.page_id).sort());
      expect(store.revision).toBe(PAGES);
      expect([...store.range({ type: 'ec2.instance' })].map((v) => v.id).sort()).toEqual([...ids].sort());
      expect(trail.filter((e) => e.type === 'scan_completed')).toHaveLength(1);
      expect(trail.filter((e) => (e.data as { note?: string }).note === 'during the outage')).toHaveLength(1);
      expect(store.verifyAudit()).toMatchObject({ ok: true, entries: trail.length });
    } finally {
      await store.close();
    }
  });
});

/** Writes a ballast file until the file system says ENOSPC. */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (let chunk = 1024 * 1024; chunk >= 512; ) {
      try {
        writeSync(fd, Buffer.alloc(chunk, 1));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        chunk /= 2;
      }
    }
  } finally {
    closeSync(fd);
  }
  if (!existsSync(path)) throw new Error('the ballast file is gone');
}
