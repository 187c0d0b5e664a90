#!/usr/bin/env node
// The events process: config, the SQS client and Redis, the pollers, metrics and ordered shutdown.
import { SQSClient } from '@aws-sdk/client-sqs';
import { createRedis, startHeartbeat } from '@elava/bus';
import { boot } from '@elava/service';
import { Counter } from 'prom-client';
import { startEvents } from './service.js';

const { runtime, config } = boot('events');
const { log } = runtime;
runtime.handleSignals();
await runtime.listen();

const events = new Counter({
  name: 'elava_events_total',
  help: 'events read, by outcome (targets, ignored, unmapped, foreign, malformed)',
  labelNames: ['outcome'],
  registers: [runtime.metrics],
});
const unmapped = new Counter({
  name: 'elava_events_unmapped_total',
  help: 'events dropped because they name nothing Elava reads, by event name',
  labelNames: ['event_name'],
  registers: [runtime.metrics],
});
const rereads = new Counter({
  name: 'elava_events_rereads_total',
  help: 'targeted re-read jobs queued (one per scope per receive), by resource type',
  labelNames: ['type'],
  registers: [runtime.metrics],
});
const receiveErrors = new Counter({
  name: 'elava_events_receive_errors_total',
  help: 'failed SQS receives (each followed by a back-off)',
  registers: [runtime.metrics],
});

if (!config.events.enabled) log.warn('events.enabled is false: no queue is read');
const producer = createRedis(config.redis.url, 'producer', 'elava-events');
runtime.onShutdown('redis', async () => void (await producer.quit()));
runtime.addReadinessCheck('redis', async () => (await producer.ping()) === 'PONG');

// Its own client, apart from the readers' (which refuse anything but reads): it deletes messages.
const sqs = new SQSClient({
  region: config.events.queues[0]?.region ?? config.regions[0] ?? 'us-east-1',
  endpoint: config.aws.endpoint,
});
runtime.onShutdown('sqs', async () => sqs.destroy());
const accounts = new Set([...config.accounts.map((a) => a.id), ...config.events.queues.map((q) => q.account)]);
const service = startEvents({
  sqs,
  queues: config.events.enabled ? config.events.queues : [],
  settings: {
    accounts,
    executorRoles: new Set(config.accounts.flatMap((a) => (a.executor_role_arn ? [a.executor_role_arn] : []))),
  },
  producer,
  prefix: config.redis.prefix,
  log,
  pollers: config.events.pollers,
  waitSeconds: config.events.wait_seconds,
  batchSize: config.events.batch_size,
  visibilitySeconds: Math.max(1, Math.round(config.events.visibility_timeout / 1000)),
  onOutcome: (r) => {
    events.inc({ outcome: r.kind });
    if (r.kind === 'unmapped') unmapped.inc({ event_name: r.name });
  },
  onJobs: (jobs) => {
    for (const j of jobs) rereads.inc({ type: j.scope.type });
  },
  onReceiveError: () => receiveErrors.inc(),
});
runtime.onShutdown('pollers', () => service.close());
runtime.onShutdown('heartbeat', startHeartbeat(producer, runtime, { prefix: config.redis.prefix }));
runtime.setReady(true);
log.info(
  { queues: config.events.enabled ? config.events.queues.map((q) => q.url) : [], pollers: config.events.pollers },
  'events ready',
);
