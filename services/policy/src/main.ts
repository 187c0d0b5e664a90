#!/usr/bin/env node
// The policy process: the compiled Rego library in worker threads, policy requests in, decisions
// out. When `npm run build` rewrites the library, a new pool replaces the old; batches already
// handed to the old one finish there.
import { existsSync, watch } from 'node:fs';
import { join } from 'node:path';
import { connectNats, createRedis, ensureStreams, redisPrefix, startHeartbeat } from '@elava/bus';
import { loadConfig } from '@elava/config';
import { QueryClient } from '@elava/query';
import { boot } from '@elava/service';
import { Gauge } from 'prom-client';
import { policyData } from './expected.js';
import { PolicyLibrary } from './library.js';
import { PolicyMemo } from './memo.js';
import { RedisMemoTier } from './memo-tier.js';
import { absentShadow, SHADOW_STREAM } from './shadow.js';
import { ShadowList } from './shadow-list.js';
import { startPolicy } from './workers.js';

const { runtime, config } = boot('policy');
const { log } = runtime;
runtime.handleSignals();
await runtime.listen();

const p = config.policies;
let data: ReturnType<typeof policyData>;
try {
  data = policyData(config);
} catch (err) {
  log.fatal({ err: (err as Error).message }, 'cannot start');
  process.exit(2);
}
const expected = data.elava.expected;

// policies.shadow: re-read when the configuration file changes (only this key is applied live).
const shadow = new ShadowList(p.shadow, loadConfig().file, log);
runtime.onShutdown('shadow', () => shadow.close());
const warnAbsent = (packages: string[]) => {
  const absent = absentShadow(shadow.current, packages);
  if (absent.length > 0)
    log.warn({ shadow: absent }, 'policies.shadow names packages the library does not have (yet): shadowed once built');
};

let library: PolicyLibrary;
try {
  library = await PolicyLibrary.open({ path: p.path, data, log, onLoad: warnAbsent });
} catch (err) {
  log.fatal({ err: (err as Error).message }, 'cannot start');
  process.exit(2);
}
runtime.onShutdown('threads', () => library.close());
new Gauge({
  name: 'elava_policy_threads',
  help: 'policy evaluation threads',
  registers: [runtime.metrics],
  collect() {
    this.set(library.current.size);
  },
});

// A rebuild rewrites dist/: reload once it settles.
let timer: NodeJS.Timeout | undefined;
const watched = existsSync(join(p.path, 'dist')) ? join(p.path, 'dist') : p.path;
const watcher = watch(watched, { recursive: false }, () => {
  clearTimeout(timer);
  timer = setTimeout(() => {
    library
      .reload()
      .catch((err) => log.error({ err: (err as Error).message }, 'policy reload failed; keeping the loaded policies'));
  }, 500);
});
runtime.onShutdown('watch', () => watcher.close());

const nc = await connectNats(config.nats.url, 'elava-policy', log);
await ensureStreams(nc, undefined, { maxAgeMs: config.nats.retention });
await ensureStreams(nc, [SHADOW_STREAM], { maxAgeMs: config.nats.retention });
runtime.onShutdown('nats', () => nc.drain());
const producer = createRedis(config.redis.url, 'producer', 'elava-policy');
const consumer = createRedis(config.redis.url, 'worker', 'elava-policy-worker');
runtime.onShutdown('redis', async () => {
  await producer.quit();
  await consumer.quit();
});
// policies.memo: in Redis under the store's id and the library's hash (memo-tier.ts), so it outlives
// a restart and a rebuilt library (or changed data) starts afresh.
let tierWarned = false;
const memo = p.memo.enabled
  ? new PolicyMemo({
      bucketMs: p.memo.time_bucket,
      tier: new RedisMemoTier(producer, redisPrefix(config.redis.prefix)),
      onTierError: (err) => {
        if (!tierWarned) log.warn({ err: err.message }, 'policy memo unavailable in Redis; evaluating instead');
        tierWarned = true;
      },
    })
  : undefined;
if (memo) {
  const counter = (name: string, help: string, count: () => number) =>
    new Gauge({
      name,
      help,
      registers: [runtime.metrics],
      collect() {
        this.set(count());
      },
    });
  counter('elava_policy_memo_hits', 'policy evaluations answered by the memo', () => memo.counts.hits);
  counter('elava_policy_memo_misses', 'policy evaluations the memo did not hold', () => memo.counts.misses);
}
const policy = startPolicy({
  memo,
  prefix: config.redis.prefix,
  lookbackMs: config.change_detection.lookback_window,
  shadow: () => shadow.current,
  settings: {
    mode: p.enforcement_mode,
    severityActions: p.severity_actions,
    remediateTags: p.auto_remediate.tag_violations,
    protectBlessed: p.auto_remediate.blessed_protection,
    autoTag: config.actions.tagging.auto_tag_untagged,
    policyViolation: config.change_detection.alert_on.policy_violation,
    protectProd: config.actions.protection.auto_protect_prod ? config.actions.protection.production_tag : undefined,
  },
  renotifyMs: p.renotify_interval,
  query: new QueryClient(nc, config.api.timeout),
  pool: () => library.current,
  nc,
  producer,
  consumer,
  log,
  countedTypes: new Set(
    Object.entries(expected ?? {})
      .filter(([, entries]) => entries?.some((e) => e.count !== undefined))
      .map(([type]) => type),
  ),
});
runtime.onShutdown('workers', () => policy.close());
runtime.addReadinessCheck('redis', async () => (await producer.ping()) === 'PONG');
runtime.addReadinessCheck('nats', () => !nc.isClosed());
runtime.onShutdown('heartbeat', startHeartbeat(producer, runtime, { prefix: config.redis.prefix }));
runtime.setReady(true);
log.info({ mode: p.enforcement_mode, shadow: [...shadow.current] }, 'policy service ready');
