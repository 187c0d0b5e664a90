#!/usr/bin/env node
// The executor process: the only part of Elava that writes to the cloud, and only what the
// configuration allows. Decisions in from ELAVA_DECISIONS, writes through the execution queue.
import { hostname } from 'node:os';
import { AccountDirectory, Organization } from '@elava/aws';
import { connectNats, createRedis, ensureStreams, jetstream, startHeartbeat } from '@elava/bus';
import { QueryClient } from '@elava/query';
import { boot } from '@elava/service';
import { AwsCloud } from './cloud.js';
import { startExecutor } from './workers.js';

const { runtime, config } = boot('executor');
const { log } = runtime;
runtime.handleSignals();
await runtime.listen();

const mode = config.policies.enforcement_mode;
const safety = config.actions.safety;
const nc = await connectNats(config.nats.url, 'elava-executor', log);
await ensureStreams(nc, undefined, { maxAgeMs: config.nats.retention });
runtime.onShutdown('nats', () => nc.drain());
const producer = createRedis(config.redis.url, 'producer', 'elava-executor');
const consumer = createRedis(config.redis.url, 'worker', 'elava-executor-worker');
runtime.onShutdown('redis', async () => {
  await producer.quit();
  await consumer.quit();
});
const cloud = new AwsCloud(
  new AccountDirectory(config.accounts, {
    region: config.regions[0] ?? 'us-east-1',
    endpoint: config.aws.endpoint,
    purpose: 'write',
    // accounts: organization: each member written through organization.executor_role_name.
    organization: config.organization
      ? new Organization(config.organization, {
          region: config.regions[0] ?? 'us-east-1',
          endpoint: config.aws.endpoint,
        })
      : undefined,
  }),
  config.aws.endpoint,
);
runtime.onShutdown('aws', () => cloud.destroy());
const executor = await startExecutor({
  prefix: config.redis.prefix,
  settings: {
    mode,
    requireApproval: config.behavior.require_approval,
    plan: {
      requiredTags: config.actions.tagging.required_tags,
      defaultTags: config.actions.tagging.default_tags,
      autoProtectProd: config.actions.protection.auto_protect_prod,
      productionTag: config.actions.protection.production_tag,
    },
  },
  guard: { share: safety.population_guard, min: safety.population_guard_min, windowMs: safety.guard_window },
  cap: { max: safety.max_writes_per_interval, intervalMs: safety.interval },
  claimTtlMs: safety.claim_ttl,
  approvalTimeoutMs: config.behavior.approval_timeout,
  cloud,
  query: new QueryClient(nc, config.api.timeout),
  nc,
  js: jetstream(nc),
  producer,
  consumer,
  log,
  owner: `${hostname()}/${process.pid}`,
  // Executors sharing a durable share the work; a second deployment names its own.
  durable: process.env.ELAVA_EXECUTOR_DURABLE || 'elava-executor',
});
runtime.onShutdown('workers', () => executor.close());
runtime.addReadinessCheck('redis', async () => (await producer.ping()) === 'PONG');
runtime.addReadinessCheck('nats', () => !nc.isClosed());
runtime.onShutdown('heartbeat', startHeartbeat(producer, runtime, { prefix: config.redis.prefix }));
runtime.setReady(true);
log.info(
  { mode, require_approval: config.behavior.require_approval, max_writes: safety.max_writes_per_interval },
  mode === 'notify' ? 'executor ready: notify mode, nothing will be written' : 'executor ready',
);
