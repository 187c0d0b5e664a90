#!/usr/bin/env node
// The scheduler process: tiers → job schedulers, re-checked every minute so off-hours intervals
// apply, and on each start (upserts are idempotent).
import { accountAccess } from '@elava/aws';
import { createQueue, createRedis, QUEUES, startHeartbeat } from '@elava/bus';
import { boot } from '@elava/service';
import type { ScanJob } from '@elava/types';
import { intervalNow, planScopes } from './plan.js';
import { reconcile } from './reconcile.js';

const { runtime, config } = boot('scheduler');
const { log } = runtime;
if (!config.scanning.enabled) log.warn('scanning.enabled is false: no scans are scheduled');

const redis = createRedis(config.redis.url, 'producer', 'elava-scheduler');
const queue = createQueue<ScanJob>(QUEUES.scan, { connection: redis, prefix: config.redis.prefix });
runtime.onShutdown('redis', () => redis.quit().then(() => undefined));
runtime.onShutdown('queue', () => queue.close());
runtime.addReadinessCheck('redis', async () => (await redis.ping()) === 'PONG');
runtime.handleSignals();
await runtime.listen();

async function accounts(): Promise<string[]> {
  if (config.accounts.length > 0) return config.accounts.map((a) => a.id);
  for (let attempt = 1; ; attempt++) {
    try {
      const me = await accountAccess({}, { region: config.regions[0] ?? 'us-east-1', endpoint: config.aws.endpoint });
      return [me.id];
    } catch (err) {
      log.warn(
        { err: (err as Error).message, attempt },
        'cannot tell which account the credentials belong to; retrying',
      );
      await new Promise((r) => setTimeout(r, Math.min(30_000, 1_000 * attempt)));
    }
  }
}

const plan = planScopes(config, await accounts());
if (plan.swept.length > 0)
  log.info(
    { types: plan.swept, interval_ms: config.change_detection.check_interval },
    'types no tier scans unfiltered are swept every change_detection.check_interval',
  );
let offHours: boolean | null = null;
async function tick(): Promise<void> {
  const now = new Date();
  const off = intervalNow(1, config.scanning.adaptive_hours, now) !== 1;
  if (off === offHours) return;
  offHours = off;
  await reconcile(
    queue,
    config.scanning.enabled ? plan.scopes : [],
    (s) => intervalNow(s.intervalMs, config.scanning.adaptive_hours, now),
    log,
  );
  log.info({ scopes: plan.scopes.length, offHours: off }, 'schedule in force');
}
await tick();
const timer = setInterval(
  () => void tick().catch((err) => log.error({ err: (err as Error).message }, 'reconcile failed')),
  60_000,
);
runtime.onShutdown('ticker', () => clearInterval(timer));
runtime.onShutdown('heartbeat', startHeartbeat(redis, runtime, { prefix: config.redis.prefix }));
runtime.setReady(true);
