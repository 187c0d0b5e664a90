#!/usr/bin/env node
// The scheduler process: tiers → job schedulers, re-checked every minute so off-hours intervals
// and accounts that joined or left the organization apply, and on each start (upserts are idempotent).
import { AccountList, Organization } from '@elava/aws';
import {
  createQueue,
  createRedis,
  pruneUnreachableAccounts,
  QUEUES,
  startHeartbeat,
  writeAccountDirectory,
} from '@elava/bus';
import { boot } from '@elava/service';
import type { ScanJob } from '@elava/types';
import { reconcile } from './reconcile.js';
import { createSchedule } from './schedule.js';

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

const region = config.regions[0] ?? 'us-east-1';
const list = new AccountList({
  accounts: config.accounts,
  organization: config.organization
    ? new Organization(config.organization, { region, endpoint: config.aws.endpoint })
    : undefined,
  region,
  endpoint: config.aws.endpoint,
});
if (config.organization)
  log.info(
    { role_name: config.organization.role_name, refresh_interval_ms: config.organization.refresh_interval },
    'accounts from AWS Organizations',
  );

/** The account list, also written for `elava status`; accounts that left are forgotten there. */
async function accounts(): Promise<string[]> {
  const watched = await list.current();
  const ids = watched.accounts.map((a) => a.id);
  await writeAccountDirectory(redis, config.redis.prefix, watched);
  await pruneUnreachableAccounts(redis, config.redis.prefix, ids);
  if (watched.stale) log.warn({ err: watched.stale.error, since: watched.stale.since }, 'account list is stale');
  return ids;
}

const schedule = createSchedule({
  config,
  accounts,
  apply: (scopes, intervalOf) => reconcile(queue, scopes, intervalOf, log),
  log,
});
// The first plan needs an account list: wait for one rather than schedule nothing.
for (let attempt = 1; ; attempt++) {
  try {
    const first = await schedule.tick();
    if (first.plan.swept.length > 0)
      log.info(
        { types: first.plan.swept, interval_ms: config.change_detection.check_interval },
        'types no tier scans unfiltered are swept every change_detection.check_interval',
      );
    break;
  } catch (err) {
    log.warn({ err: (err as Error).message, attempt }, 'cannot tell which accounts to scan; retrying');
    await new Promise((r) => setTimeout(r, Math.min(30_000, 1_000 * attempt)));
  }
}
const timer = setInterval(
  () => void schedule.tick().catch((err) => log.error({ err: (err as Error).message }, 'reconcile failed')),
  60_000,
);
runtime.onShutdown('ticker', () => clearInterval(timer));
runtime.onShutdown('heartbeat', startHeartbeat(redis, runtime, { prefix: config.redis.prefix }));
runtime.setReady(true);
