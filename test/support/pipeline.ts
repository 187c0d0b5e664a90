import { createQueue, createRedis, QUEUES } from '@elava/bus';
import { type DetectorWiring, startDetector } from '@elava/detector';
import { type DecisionSettings, startPolicy } from '@elava/policy';
import { QueryClient, StoreReader, serveQueries } from '@elava/query';
import { type Recorder, startRecorder, WalPublisher } from '@elava/recorder';
import { Store } from '@elava/store';
import { CHANGE_TYPES, type ResourceType, type ScanJob } from '@elava/types';
import { infra, silentLog, tempDirFor, unique } from './infra.js';
import { DEFAULT_DECISIONS, libraryPool } from './policy.js';
import { testScanner } from './scanner.js';
import type { useStage } from './stage.js';

export interface PipelineOptions {
  account: string;
  region: string;
  types: readonly ResourceType[];
  decisions?: DecisionSettings;
  /** data.* for the policies (config values such as required_tags). */
  data?: unknown;
}

/**
 * A store with its reads served over NATS as main.ts serves them, and the recorder and detector in
 * process, each change type tracked at `info`: what every in-process pipeline starts from. Seven
 * Redis connections are made; 0–3 are the recorder's and detector's, the rest the caller's.
 */
export async function startRecording(
  stage: ReturnType<typeof useStage>,
  name: string,
  o: {
    attribute?: DetectorWiring['attribute'];
    /** The detector's settings other than these defaults (every change type tracked at `info`, no grace). */
    settings?: Partial<DetectorWiring['settings']>;
  } = {},
) {
  const prefix = unique(`elava-${name}`);
  const store = await Store.open(tempDirFor(`elava-${name}-`));
  const conns = Array.from({ length: 7 }, (_, i) => createRedis(infra().redis, i % 2 ? 'worker' : 'producer'));
  const querySubject = unique(`elava.query-${name}`);
  const served = serveQueries(stage.nc, new StoreReader(store), silentLog, querySubject);
  const recorder = startRecorder({
    store,
    wal: new WalPublisher(stage.nc, store, silentLog),
    producer: conns[0]!,
    consumer: conns[1]!,
    log: silentLog,
    prefix,
  });
  const alertOn = Object.fromEntries(CHANGE_TYPES.map((t) => [t, 'info'])) as Record<
    (typeof CHANGE_TYPES)[number],
    'info'
  >;
  // Each detector its own consumer connection: a restarted one must not share the stopped one's.
  const consumers: ReturnType<typeof createRedis>[] = [];
  const startOne = () => {
    const consumer = conns[3]!.duplicate();
    consumers.push(consumer);
    return startDetector({
      settings: { track: [...CHANGE_TYPES], alertOn, graceMs: 0, ...o.settings },
      nc: stage.nc,
      query: new QueryClient(stage.nc, 5_000, querySubject),
      producer: conns[2]!,
      consumer,
      log: silentLog,
      prefix,
      ...(o.attribute ? { attribute: o.attribute } : {}),
    });
  };
  let detector: ReturnType<typeof startOne> | null = startOne();
  /** After whatever the caller started on top has stopped. */
  async function close(): Promise<void> {
    served.unsubscribe();
    await detector?.close();
    await recorder.close();
    await store.close();
    for (const c of [...conns, ...consumers]) c.disconnect();
  }
  return {
    prefix,
    store,
    conns,
    querySubject,
    /** The recorder's logic, to hand it pages directly. */
    recorder: recorder.recorder as Recorder,
    /** The running detector (null while stopped). */
    detector: () => detector,
    async stopDetector() {
      await detector?.close();
      detector = null;
    },
    /** A new detector on the same queues, as after a restart. */
    startDetector() {
      detector = startOne();
    },
    close,
  };
}

/**
 * Scanner → recorder → detector → policy in process on moto, real Redis and NATS, with the compiled
 * library; the recorder's reads served as main.ts serves them. `scan` scans every type and waits
 * until the recorder has recorded it.
 */
export async function startPipeline(stage: ReturnType<typeof useStage>, o: PipelineOptions) {
  const { prefix, store, conns, querySubject, close } = await startRecording(stage, 'pipeline');
  const pool = await libraryPool(o.data);
  const policy = startPolicy({
    settings: o.decisions ?? DEFAULT_DECISIONS,
    renotifyMs: 3_600_000,
    query: new QueryClient(stage.nc, 5_000, querySubject),
    pool: () => pool,
    nc: stage.nc,
    producer: conns[4]!,
    consumer: conns[5]!,
    log: silentLog,
    prefix,
  });
  const queue = createQueue<ScanJob>(QUEUES.scan, { connection: conns[6]!, prefix });
  stage.defer(async () => {
    await queue.close();
    await policy.close();
    await close();
    await pool.close();
  });
  testScanner(prefix, stage.defer);

  async function scan(round: string): Promise<void> {
    const ids = o.types.map((t) => `${round}-${t.replace('.', '-')}-${unique('s')}`);
    for (const [i, type] of o.types.entries())
      await queue.add('scan', {
        scan_id: ids[i]!,
        scope: { account: o.account, region: o.region, type },
        requested_by: 'cli',
      });
    const deadline = Date.now() + 30_000;
    const done = () =>
      store.audit({ types: ['scan_completed'] }).filter((e) => ids.includes((e.data as { scan_id: string }).scan_id))
        .length;
    while (done() < ids.length) {
      if (Date.now() > deadline) throw new Error(`scans of ${round} not recorded`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { prefix, store, querySubject, scan };
}

/** Waits until `check` holds, naming what it waited for when it does not in time. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
