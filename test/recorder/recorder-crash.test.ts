import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createQueue, createRedis, QUEUES } from '@elava/bus';
import { Store } from '@elava/store';
import type { AuditEntry, ScanJob } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { infra, tempDirFor, unique } from '../support/infra.js';
import { motoProxy } from '../support/proxy.js';
import { testScanner } from '../support/scanner.js';
import { resetMoto, seedDbInstances } from '../support/seed.js';
import { useStage, watchStream } from '../support/stage.js';

const MAIN = resolve(import.meta.dirname, '../../services/recorder/dist/main.js');

describe('the recorder under SIGKILL', () => {
  const stage = useStage(async () => {
    await resetMoto(infra().moto);
    await seedDbInstances(infra().moto, 'us-west-2', 25);
  });

  it.each([
    ['restarted', false],
    ['taken over by a standby', true],
  ])(
    'killed and %s: loses no acknowledged page, doubles no revision, publishes each audit entry once',
    async (_how, standby) => {
      const prefix = unique('elava-rcrash');
      const dir = tempDirFor('elava-rcrash-');
      const config = join(dir, 'elava.yaml');
      writeFileSync(
        config,
        `version: "2.0"\nregions: [us-west-2]\nstorage: { dir: "${join(dir, 'data')}" }\nredis: { url: "${infra().redis}" }\nnats: { url: "${infra().nats}" }\n`,
      );
      const env = {
        ...process.env,
        ELAVA_CONFIG: config,
        ELAVA_QUEUE_PREFIX: prefix,
        ELAVA_LOG_LEVEL: 'warn',
        ELAVA_JOB_LOCK_MS: '2000',
        REDIS_URL: infra().redis,
        NATS_URL: infra().nats,
      };
      const start = () => spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'ignore', 'inherit'] });
      let recorder: ChildProcess = start();
      let spare: ChildProcess | null = null;
      stage.defer(async () => {
        for (const p of [recorder, spare]) if (p && p.exitCode === null) p.kill('SIGKILL');
      });

      const scanId = unique('crash-scan');
      const wal = await watchStream<AuditEntry>(
        stage,
        'ELAVA_WAL',
        (e) => (e.data as { scan_id?: string }).scan_id === scanId,
      );

      // A slow way to moto keeps pages arriving while the recorder dies.
      const slow = await motoProxy({ delayMs: 150 });
      stage.defer(() => slow.close());
      testScanner(prefix, stage.defer, { endpoint: slow.url, pageSize: 2, apiPageSize: 20 });
      const producer = createRedis(infra().redis, 'producer');
      const queue = createQueue<ScanJob>(QUEUES.scan, { connection: producer, prefix });
      stage.defer(async () => {
        await queue.close();
        producer.disconnect();
      });
      await queue.add('scan', {
        scan_id: scanId,
        scope: { account: '123456789012', region: 'us-west-2', type: 'rds.instance' },
        requested_by: 'cli',
      });

      const until = async (check: () => boolean, ms = 30_000) => {
        const deadline = Date.now() + ms;
        while (!check()) {
          if (Date.now() > deadline)
            throw new Error(`timed out; WAL so far: ${wal.map((e) => `${e.seq}:${e.type}`).join(' ')}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await until(() => wal.some((e) => e.type === 'observed'));
      if (standby) {
        // Started once the first holds the store, the standby waits on its lock.
        spare = start();
        await new Promise((r) => setTimeout(r, 1_000));
        expect(spare.exitCode).toBeNull();
      }
      recorder.kill('SIGKILL');
      await new Promise((r) => recorder.once('exit', r));
      recorder = spare ?? start();
      // A page the dead recorder held comes back once its lock lapses: wait for all 13.
      await until(
        () => wal.some((e) => e.type === 'scan_completed') && wal.filter((e) => e.type === 'observed').length >= 13,
      );
      await new Promise((r) => setTimeout(r, 500));
      recorder.kill('SIGTERM');
      await new Promise((r) => recorder.once('exit', r));

      const store = await Store.open(join(dir, 'data'));
      try {
        const trail = store.audit();
        const observed = trail.filter((e) => e.type === 'observed');
        const pageIds = observed.map((e) => (e.data as { page_id: string }).page_id);
        // 25 resources in pages of 2: 13 pages, the last one complete. Each recorded once, one revision each.
        expect(new Set(pageIds).size).toBe(pageIds.length);
        expect(pageIds).toHaveLength(13);
        expect(store.revision).toBe(13);
        expect([...store.range({ type: 'rds.instance' })]).toHaveLength(25);
        expect(store.verifyAudit()).toMatchObject({ ok: true });
        // On NATS: every entry of this scan once, in sequence order, across the crash.
        const mine = trail.filter((e) => (e.data as { scan_id?: string }).scan_id === scanId).map((e) => e.seq);
        expect(wal.map((e) => e.seq)).toEqual(mine);
        expect(new Set(wal.map((e) => e.seq)).size).toBe(wal.length);
      } finally {
        await store.close();
      }
    },
  );
});
