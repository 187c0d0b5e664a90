import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createQueue, createRedis, QUEUES } from '@elava/bus';
import type { PublishedChange } from '@elava/detector';
import { startRecorder, WalPublisher } from '@elava/recorder';
import { encodeResource, Store } from '@elava/store';
import { instance } from '@elava/store/testing';
import type { AnyResource, ObservationPage, PolicyRequest } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { infra, silentLog, tempDirFor, unique } from '../support/infra.js';
import { useStage, watchStream } from '../support/stage.js';

const MAIN = resolve(import.meta.dirname, '../../services/detector/dist/main.js');
const RESOURCES = 10;
const ROUNDS = 30;

describe('the detector under SIGKILL', () => {
  const stage = useStage(async () => {});

  it('announces every change of every revision exactly once across a kill and restart', async () => {
    const prefix = unique('elava-dcrash');
    const dir = tempDirFor('elava-dcrash-');
    // An account of its own keeps this run's changes apart on the shared stream.
    const account = String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999));
    const config = join(dir, 'elava.yaml');
    writeFileSync(
      config,
      `version: "2.0"\nredis: { url: "${infra().redis}" }\nnats: { url: "${infra().nats}" }\nbehavior: { grace_period: 0s }\n`,
    );
    const env = {
      ...process.env,
      ELAVA_CONFIG: config,
      ELAVA_QUEUE_PREFIX: prefix,
      ELAVA_LOG_LEVEL: 'warn',
      ELAVA_JOB_LOCK_MS: '1500',
    };
    const start = () => spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    let detector: ChildProcess = start();
    stage.defer(async () => {
      if (detector.exitCode === null) detector.kill('SIGKILL');
    });

    // The recorder in this process: the detector is the one that dies.
    const store = await Store.open(join(dir, 'data'));
    stage.defer(() => store.close());
    const producer = createRedis(infra().redis, 'producer');
    const consumer = createRedis(infra().redis, 'worker');
    const recorder = startRecorder({
      store,
      wal: new WalPublisher(stage.nc, store, silentLog),
      producer,
      consumer,
      log: silentLog,
      prefix,
    });
    const pages = createQueue<ObservationPage>(QUEUES.observations, { connection: producer, prefix });
    const policy = createQueue<PolicyRequest>(QUEUES.policy, { connection: producer, prefix });
    stage.defer(async () => {
      await recorder.close();
      await pages.close();
      await policy.close();
      producer.disconnect();
      consumer.disconnect();
    });
    const changes = await watchStream<PublishedChange>(stage, 'ELAVA_CHANGES', (c) =>
      c.resource_id.startsWith(`aws:${account}:`),
    );

    // Round 1 makes ten instances appear; every later round retags all ten (ten tag_drift changes).
    const resource = (i: number, round: number): AnyResource => {
      const r = instance(i, { tags: { round: String(round) } });
      return JSON.parse(JSON.stringify(r).replaceAll(r.account, account)) as AnyResource;
    };
    const scope = { account, region: 'us-east-1', type: 'ec2.instance' as const };
    const send = async (round: number) => {
      const resources = Array.from({ length: RESOURCES }, (_, i) => encodeResource(resource(i, round)));
      await pages.add(
        'page',
        {
          scan_id: `round${round}`,
          page_id: `round${round}@1#0`,
          page: 0,
          attempt: 1,
          scope,
          observed_at: new Date(Date.UTC(2026, 10, 22, 0, round)).toISOString(),
          resources,
          final: { status: 'complete', count: RESOURCES, pages: 1, seen: resources.map((r) => r.id) },
        },
        { jobId: `round${round}` },
      );
    };
    const until = async (check: () => boolean, ms = 40_000) => {
      const deadline = Date.now() + ms;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out with ${changes.length} changes`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };

    for (let round = 1; round <= ROUNDS / 2; round++) await send(round);
    await until(() => changes.length >= 30);
    detector.kill('SIGKILL');
    await new Promise((r) => detector.once('exit', r));
    const atKill = changes.length;
    // Revisions keep coming while no detector runs; a new one picks up the dead one's job too.
    for (let round = ROUNDS / 2 + 1; round <= ROUNDS; round++) await send(round);
    await until(() => store.revision === ROUNDS);
    detector = start();
    await until(() => changes.length >= RESOURCES * ROUNDS);
    await new Promise((r) => setTimeout(r, 1_000));

    expect(atKill).toBeLessThan(RESOURCES * ROUNDS);
    const ids = changes.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(RESOURCES * ROUNDS);
    expect(changes.filter((c) => c.type === 'appeared')).toHaveLength(RESOURCES);
    expect(changes.filter((c) => c.type === 'tag_drift')).toHaveLength(RESOURCES * (ROUNDS - 1));
    for (let rev = 2; rev <= ROUNDS; rev++)
      expect(changes.filter((c) => c.revision === rev && c.type === 'tag_drift')).toHaveLength(RESOURCES);
    // One changes_detected entry per revision in the trail, one policy request per revision.
    await until(() => store.audit({ types: ['changes_detected'] }).length >= ROUNDS);
    await new Promise((r) => setTimeout(r, 500));
    const detected = store.audit({ types: ['changes_detected'] }).map((e) => e.revision);
    expect(detected.sort((a, b) => (a as number) - (b as number))).toEqual(
      Array.from({ length: ROUNDS }, (_, i) => i + 1),
    );
    const jobs = await policy.getJobs(['waiting', 'active', 'completed', 'failed']);
    // Every complete page also asked for its scope to be evaluated: one request per revision.
    expect(
      jobs
        .filter((j) => j.data.kind === 'scope')
        .map((j) => j.data.revision)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: ROUNDS }, (_, i) => i + 1));
    // And one request per revision of changes, but for the first: its appearances are the estate
    // being found, judged by that revision's scope request.
    const requests = jobs.flatMap((j) => (j.data.kind === 'scope' ? [] : [{ data: j.data }]));
    expect(requests.map((j) => j.data.revision).sort((a, b) => a - b)).toEqual(
      Array.from({ length: ROUNDS - 1 }, (_, i) => i + 2),
    );
    expect(new Set(requests.flatMap((j) => j.data.changes.map((c) => c.id))).size).toBe(RESOURCES * (ROUNDS - 1));
    expect(store.verifyAudit().ok).toBe(true);
    detector.kill('SIGTERM');
    await new Promise((r) => detector.once('exit', r));
  });
});
