#!/usr/bin/env node
// The scanner process: config, connections, the worker, health endpoints and ordered shutdown.
import { createRedis, RedisRateLimiter, startHeartbeat } from '@elava/bus';
import { boot } from '@elava/service';
import { parseScopeKey } from '@elava/types';
import { Counter, Histogram } from 'prom-client';
import { Accounts, reportAccess } from './accounts.js';
import { createScanner } from './worker.js';

const { runtime, config } = boot('scanner');
const { log } = runtime;

const scans = new Counter({
  name: 'elava_scans_total',
  help: 'scans by outcome',
  labelNames: ['status', 'type'],
  registers: [runtime.metrics],
});
const resources = new Counter({
  name: 'elava_scanned_resources_total',
  help: 'resources read',
  labelNames: ['type'],
  registers: [runtime.metrics],
});
const calls = new Counter({ name: 'elava_aws_calls_total', help: 'AWS API attempts', registers: [runtime.metrics] });
const throttles = new Counter({
  name: 'elava_aws_throttles_total',
  help: 'AWS throttling answers',
  registers: [runtime.metrics],
});
const assumes = new Counter({
  name: 'elava_aws_assume_role_total',
  help: 'STS AssumeRole calls (credentials are kept per account until shortly before they expire)',
  registers: [runtime.metrics],
});
const seconds = new Histogram({
  name: 'elava_scan_seconds',
  help: 'scan duration',
  labelNames: ['type'],
  registers: [runtime.metrics],
});

const producer = createRedis(config.redis.url, 'producer', 'elava-scanner');
const consumer = createRedis(config.redis.url, 'worker', 'elava-scanner-worker');
const limiter = new RedisRateLimiter(
  producer,
  {
    rate: Number(process.env.ELAVA_AWS_RATE ?? 20),
    burst: Number(process.env.ELAVA_AWS_BURST ?? 40),
  },
  `${config.redis.prefix}:rate`,
);
runtime.onShutdown('redis', async () => {
  await producer.quit();
  await consumer.quit();
});
runtime.addReadinessCheck('redis', async () => (await producer.ping()) === 'PONG');

const scanner = createScanner({
  prefix: config.redis.prefix,
  producer,
  consumer,
  accounts: new Accounts(config, {
    onAccess: reportAccess(producer, config.redis.prefix, log),
    onAssume: () => assumes.inc(),
  }),
  endpoint: config.aws.endpoint,
  limiter,
  log,
  concurrency: Number(process.env.ELAVA_SCANNER_CONCURRENCY ?? 4),
  onScan: (s) => {
    const { type } = parseScopeKey(s.scope);
    scans.inc({ status: s.status, type });
    resources.inc({ type }, s.resources);
    calls.inc(s.calls);
    throttles.inc(s.throttles);
    seconds.observe({ type }, s.ms / 1000);
  },
});
runtime.onShutdown('scanner', () => scanner.close());
runtime.handleSignals();
await runtime.listen();
runtime.onShutdown('heartbeat', startHeartbeat(producer, runtime, { prefix: config.redis.prefix }));
runtime.setReady(true);
log.info({ endpoint: config.aws.endpoint ?? 'aws', regions: config.regions }, 'scanner ready');
