#!/usr/bin/env node
// The recorder process: the store's only writer. A second recorder on the same data directory
// waits as a standby and takes over when the holder's lock is released or its process is gone.
import { connectNats, createRedis, ensureStreams, startHeartbeat } from '@elava/bus';
import { StoreReader, serveCompaction, serveQueries } from '@elava/query';
import { boot } from '@elava/service';
import { Store, StoreLockedError } from '@elava/store';
import { listKeysOf } from '@elava/types';
import { Counter, Gauge } from 'prom-client';
import { startRetention } from './retention.js';
import { WalPublisher } from './wal-publisher.js';
import { startRecorder } from './workers.js';

const { runtime, config } = boot('recorder');
const { log } = runtime;
runtime.handleSignals();
await runtime.listen();

let store: Store;
for (let waited = 0; ; waited++) {
  try {
    store = await Store.open(config.storage.dir, {
      segmentBytes: config.storage.segment_bytes,
      checkpointIntervalMs: config.storage.checkpoint_interval,
    });
    break;
  } catch (err) {
    if (!(err instanceof StoreLockedError)) {
      log.fatal({ err: (err as Error).message, dir: config.storage.dir }, 'cannot open the store');
      process.exit(2);
    }
    if (waited === 0) log.warn({ err: err.message }, 'standing by until the store is free');
    await new Promise((r) => setTimeout(r, 2_000));
  }
}
log.info({ dir: config.storage.dir, revision: store.revision, ...store.report }, 'store open');
runtime.onShutdown('store', () => store.close());

const nc = await connectNats(config.nats.url, 'elava-recorder', log);
await ensureStreams(nc, undefined, { maxAgeMs: config.nats.retention });
runtime.onShutdown('nats', () => nc.drain());
const wal = new WalPublisher(nc, store, log);
await wal.catchUp();
runtime.onShutdown('wal mark', () => {
  wal.save();
  wal.close();
});
// Reads are answered here, where the store is open; the API and the CLI ask over NATS.
const queries = serveQueries(nc, new StoreReader(store, undefined, listKeysOf), log);
runtime.onShutdown('queries', () => queries.unsubscribe());
// History is trimmed here too, while recording goes on: on request (`elava compact`) and to storage.retention.
const compaction = serveCompaction(nc, store, log);
runtime.onShutdown('compaction requests', () => compaction.unsubscribe());
const retention = startRetention({ store, retentionMs: config.storage.retention, log });
runtime.onShutdown('retention', () => retention.stop());

const producer = createRedis(config.redis.url, 'producer', 'elava-recorder');
const consumer = createRedis(config.redis.url, 'worker', 'elava-recorder-worker');
runtime.onShutdown('redis', async () => {
  await producer.quit();
  await consumer.quit();
});

new Gauge({
  name: 'elava_store_compacted_revision',
  help: 'the revision history starts at: older versions were compacted away (0: none)',
  registers: [runtime.metrics],
  collect() {
    this.set(store.compactedAt);
  },
});
new Gauge({
  name: 'elava_store_revision',
  help: 'newest committed revision',
  registers: [runtime.metrics],
  collect() {
    this.set(store.revision);
  },
});
const pages = new Counter({
  name: 'elava_pages_recorded_total',
  help: 'observation pages recorded',
  registers: [runtime.metrics],
});
const changed = new Counter({
  name: 'elava_versions_written_total',
  help: 'new versions and tombstones written',
  registers: [runtime.metrics],
});
const recorder = startRecorder({
  prefix: config.redis.prefix,
  store,
  wal,
  producer,
  consumer,
  log,
  onPage: (_p, _rev, n) => {
    pages.inc();
    changed.inc(n);
  },
  storageProbeMs: probeMs(process.env.ELAVA_STORAGE_PROBE_MS),
});
runtime.onShutdown('workers', () => recorder.close());
// A full or read-only data directory stops writes (the recorder pauses, keeps every job, probes and
// resumes on its own): not ready meanwhile, with the reason, e.g. "no space left on device in …".
runtime.addReadinessCheck('storage', () => recorder.storage.check());
new Gauge({
  name: 'elava_store_writable',
  help: '1 while the store takes writes, 0 while they are stopped (a full or read-only data directory)',
  registers: [runtime.metrics],
  collect() {
    this.set(recorder.storage.problem ? 0 : 1);
  },
});
runtime.addReadinessCheck('redis', async () => (await producer.ping()) === 'PONG');
runtime.addReadinessCheck('nats', () => !nc.isClosed());
runtime.onShutdown('heartbeat', startHeartbeat(producer, runtime, { prefix: config.redis.prefix }));
runtime.setReady(true);
log.info({ revision: store.revision, wal: wal.position }, 'recorder ready');

/** ELAVA_STORAGE_PROBE_MS: how often stopped writes are tried again (2 s by default, 100 ms at least). */
function probeMs(given: string | undefined): number {
  const ms = Number(given ?? 2_000);
  return Number.isFinite(ms) && ms >= 100 ? ms : 2_000;
}
