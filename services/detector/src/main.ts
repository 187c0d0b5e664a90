#!/usr/bin/env node
// The detector process: deltas in, changes out on NATS, policy jobs and audit entries onward.
import type { CloudTrailLookup } from '@elava/aws';
import { connectNats, createRedis, ensureStreams, RedisRateLimiter, startHeartbeat } from '@elava/bus';
import { QueryClient } from '@elava/query';
import { boot } from '@elava/service';
import { parseResourceId } from '@elava/types';
import { startDetector } from './workers.js';

const { runtime, config } = boot('detector');
const { log } = runtime;
runtime.handleSignals();
await runtime.listen();

const nc = await connectNats(config.nats.url, 'elava-detector', log);
await ensureStreams(nc, undefined, { maxAgeMs: config.nats.retention });
runtime.onShutdown('nats', () => nc.drain());
const producer = createRedis(config.redis.url, 'producer', 'elava-detector');
const consumer = createRedis(config.redis.url, 'worker', 'elava-detector-worker');
runtime.onShutdown('redis', async () => {
  await producer.quit();
  await consumer.quit();
});
const cd = config.change_detection;
// attribution.cloudtrail_lookup: who made a change a sweep saw, from CloudTrail (issue 15), with the
// readers' credentials. CloudTrail allows 2 LookupEvents a second per account and region: one
// budget in Redis for every detector.
const cloudTrailBudget = new RedisRateLimiter(
  producer,
  { rate: 2, burst: 2 },
  `${config.redis.prefix}:rate:cloudtrail`,
);
// The AWS SDK (most of a second to load) only when the detector is to ask CloudTrail.
let lookup: CloudTrailLookup | undefined;
if (config.attribution.cloudtrail_lookup) {
  const aws = await import('@elava/aws');
  const readers = new aws.AccountDirectory(config.accounts, {
    region: config.regions[0] ?? 'us-east-1',
    endpoint: config.aws.endpoint,
    purpose: 'read',
  });
  lookup = new aws.CloudTrailLookup({
    access: (account) => readers.access(account),
    endpoint: config.aws.endpoint,
    take: (key) => cloudTrailBudget.take(key),
    executorRoles: new Set(config.accounts.flatMap((a) => (a.executor_role_arn ? [a.executor_role_arn] : []))),
  });
}
if (lookup) runtime.onShutdown('cloudtrail', () => lookup.destroy());
const detector = startDetector({
  prefix: config.redis.prefix,
  settings: { track: cd.enabled ? cd.track : [], alertOn: cd.alert_on, graceMs: config.behavior.grace_period },
  nc,
  // At the end of a grace period the store is asked whether the resource is still gone.
  query: new QueryClient(nc, config.api.timeout),
  producer,
  consumer,
  log,
  ...(lookup
    ? {
        attribute: (id, window) => {
          const p = parseResourceId(id);
          return lookup.actorFor({ account: p.account, region: p.region, type: p.type, nativeId: p.nativeId }, window);
        },
      }
    : {}),
});
runtime.onShutdown('workers', () => detector.close());
runtime.addReadinessCheck('redis', async () => (await producer.ping()) === 'PONG');
runtime.addReadinessCheck('nats', () => !nc.isClosed());
runtime.onShutdown('heartbeat', startHeartbeat(producer, runtime, { prefix: config.redis.prefix }));
runtime.setReady(true);
log.info({ track: cd.track, grace_ms: config.behavior.grace_period }, 'detector ready');
