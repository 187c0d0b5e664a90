#!/usr/bin/env node
// The detector process: deltas in, changes out on NATS, policy jobs and audit entries onward.
import { connectNats, createRedis, ensureStreams, jetstream, startHeartbeat } from '@elava/bus';
import { QueryClient } from '@elava/query';
import { boot } from '@elava/service';
import { startDetector } from './workers.js';

const { runtime, config } = boot('detector');
const { log } = runtime;
runtime.handleSignals();
await runtime.listen();

const nc = await connectNats(config.nats.url, 'elava-detector', log);
await ensureStreams(nc);
runtime.onShutdown('nats', () => nc.drain());
const producer = createRedis(config.redis.url, 'producer', 'elava-detector');
const consumer = createRedis(config.redis.url, 'worker', 'elava-detector-worker');
runtime.onShutdown('redis', async () => {
  await producer.quit();
  await consumer.quit();
});
const cd = config.change_detection;
const detector = startDetector({
  prefix: config.redis.prefix,
  settings: { track: cd.enabled ? cd.track : [], alertOn: cd.alert_on, graceMs: config.behavior.grace_period },
  js: jetstream(nc),
  // At the end of a grace period the store is asked whether the resource is still gone.
  query: new QueryClient(nc, config.api.timeout),
  producer,
  consumer,
  log,
});
runtime.onShutdown('workers', () => detector.close());
runtime.addReadinessCheck('redis', async () => (await producer.ping()) === 'PONG');
runtime.addReadinessCheck('nats', () => !nc.isClosed());
runtime.onShutdown('heartbeat', startHeartbeat(producer, runtime, { prefix: config.redis.prefix }));
runtime.setReady(true);
log.info({ track: cd.track, grace_ms: config.behavior.grace_period }, 'detector ready');
