import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connectNats } from '@elava/bus';
import { EXIT, type Io, run } from '@elava/cli';
import { COMPACT_SUBJECT, requestCompaction } from '@elava/query';
import { Store } from '@elava/store';
import { instance, scope } from '@elava/store/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startOwnInfra } from '../support/cluster.js';
import { tempDirFor } from '../support/infra.js';

const MAIN = resolve(import.meta.dirname, '../../services/recorder/dist/main.js');
const DAY = 86_400_000;

/**
 * History trimmed while the recorder runs: on its own to storage.retention, and on `elava compact`,
 * which asks the recorder when the store is in use. On a NATS of its own: the CLI asks the default
 * subject, which another test's recorder would answer on the shared one.
 */
describe('compaction through the running recorder', () => {
  const dir = tempDirFor('elava-compact-');
  const data = join(dir, 'data');
  const config = join(dir, 'elava.yaml');
  let own: Awaited<ReturnType<typeof startOwnInfra>>;
  let recorder: ChildProcess;
  const logs: string[] = [];

  const cli = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: { ELAVA_CONFIG: config },
      cwd: dir,
      tty: false,
    };
    const code = await run(argv, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  beforeAll(async () => {
    // One resource, a version 10, 8, 5 and 1 days ago (revisions 1 to 4), written before the recorder starts.
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = Date.now();
    const store = await Store.open(data);
    for (const [rev, daysAgo] of [10, 8, 5, 1].entries()) {
      vi.setSystemTime(now - daysAgo * DAY);
      await store.applyScan(`v${rev}`, scope(), [instance(1, { state: `s${rev}` })], { complete: true });
    }
    await store.close();
    vi.useRealTimers();

    own = await startOwnInfra(dir, logs);
    writeFileSync(
      config,
      `version: "2.0"\nregions: [us-east-1]\nstorage: { dir: "${data}", retention: 6d }\n` +
        `redis: { url: "${own.redisUrl}" }\nnats: { url: "${own.natsUrl}" }\n`,
    );
    recorder = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        ELAVA_CONFIG: config,
        REDIS_URL: own.redisUrl,
        NATS_URL: own.natsUrl,
        ELAVA_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    recorder.stderr?.on('data', (b: Buffer) => logs.push(b.toString()));
  }, 60_000);
  afterAll(async () => {
    if (recorder && recorder.exitCode === null) {
      const exited = new Promise((r) => recorder.once('exit', r));
      recorder.kill('SIGTERM');
      await exited;
    }
    await own?.stopInfra('nats');
    await own?.stopInfra('redis');
  });

  it('compacts to storage.retention on its own, then on request, while holding the store', async () => {
    // Asking for more history than is left compacts nothing and says where history starts: here,
    // once the recorder's own pass for 6 days kept the version in force then (revision 2).
    let kept = -1;
    const deadline = Date.now() + 30_000;
    while (kept !== 2) {
      if (Date.now() > deadline) throw new Error(`no compaction to the retention; recorder log:\n${logs.join('')}`);
      const r = await cli('compact', '--retain', '30d', '--json');
      if (r.code === EXIT.ok) {
        expect(JSON.parse(r.out)).toMatchObject({ compacted: false });
        kept = JSON.parse(r.out).revision;
      } else expect(r.err).toMatch(/no recorder answering/);
      if (kept !== 2) await new Promise((res) => setTimeout(res, 200));
    }

    const two = await cli('compact', '--retain', '2d', '--json');
    expect(two.code, two.err).toBe(EXIT.ok);
    expect(JSON.parse(two.out)).toMatchObject({ compacted: true, revision: 3, versionsBefore: 3, versionsAfter: 2 });
    const text = await cli('compact', '--retain', '2d');
    expect(text.out).toBe('nothing older than 2d to drop (compacted at revision 3)');
    // `elava status` says where history starts (exit 1: only the recorder of the cluster runs).
    const status = await cli('status');
    expect(status.out).toMatch(/store \w+: revision 4 .*; history from revision 3 \(compacted\)/);
  });

  it('refuses a named data directory the recorder holds, saying how to reach it, and a bad age', async () => {
    const held = await cli('compact', '--retain', '1d', '--data-dir', data);
    expect(held.code).toBe(EXIT.usage);
    expect(held.err).toMatch(
      /in use by another process .*leave out --data-dir and the recorder holding it compacts it/,
    );
    const bad = await cli('compact', '--retain', '3 days');
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err).toContain('--retain takes an age such as 90d or 12w, not "3 days"');
    // The recorder checks a request itself: another client's bad one is refused, naming what is wrong.
    const nc = await connectNats(own.natsUrl, 'compact-test');
    try {
      expect(await requestCompaction(nc, 5 as unknown as string, 10_000)).toEqual({
        error: 'retain takes an age such as 90d or 12w, not 5',
      });
      const raw = await nc.request(COMPACT_SUBJECT, 'not json', { timeout: 10_000 });
      expect(raw.json()).toEqual({ error: 'the request is not JSON' });
    } finally {
      await nc.close();
    }
  });
});
