import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { redisPrefix } from './queue.js';

/**
 * What `elava status` says about accounts: the list the scheduler plans from (written on each
 * refresh), and the accounts a scanner could not get credentials for (written by the scanner that
 * failed, removed by the one that next succeeds, or by the scheduler once the account has left).
 */
export interface AccountDirectoryStatus {
  source: 'configured' | 'organization' | 'credentials';
  accounts: { id: string; name: string }[];
  refreshed_at: string;
  skipped?: { inactive: number; excluded: number; outside_ous: number };
  /** The organization could not be read again: the list is the one read before. */
  stale?: { error: string; since: string };
}

export interface UnreachableAccount {
  account: string;
  error: string;
  /** First failure since the account last worked. */
  since: string;
  seen_at: string;
  /** The scanner instance that saw it. */
  by: string;
}

const directoryKey = (prefix?: string) => `${redisPrefix(prefix)}:accounts:directory`;
const unreachableKey = (prefix?: string) => `${redisPrefix(prefix)}:accounts:unreachable`;
const instance = () => process.env.ELAVA_INSTANCE || `${hostname()}-${process.pid}`;

export async function writeAccountDirectory(redis: Redis, prefix: string | undefined, s: AccountDirectoryStatus) {
  await redis.set(directoryKey(prefix), JSON.stringify(s));
}

export async function readAccountDirectory(redis: Redis, prefix?: string): Promise<AccountDirectoryStatus | null> {
  const v = await redis.get(directoryKey(prefix));
  if (!v) return null;
  try {
    return JSON.parse(v) as AccountDirectoryStatus;
  } catch {
    return null;
  }
}

/** A scanner's news about one account: `error` when its credentials failed, none when they work. */
export async function reportAccountAccess(
  redis: Redis,
  prefix: string | undefined,
  account: string,
  error?: string,
): Promise<void> {
  const key = unreachableKey(prefix);
  if (error === undefined) {
    await redis.hdel(key, account);
    return;
  }
  const now = new Date().toISOString();
  const prior = await redis.hget(key, account);
  let since = now;
  try {
    if (prior) since = (JSON.parse(prior) as UnreachableAccount).since ?? now;
  } catch {}
  const entry: UnreachableAccount = { account, error, since, seen_at: now, by: instance() };
  await redis.hset(key, account, JSON.stringify(entry));
}

export async function readUnreachableAccounts(redis: Redis, prefix?: string): Promise<UnreachableAccount[]> {
  const all = await redis.hgetall(unreachableKey(prefix));
  return Object.values(all)
    .flatMap((v) => {
      try {
        return [JSON.parse(v) as UnreachableAccount];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.account.localeCompare(b.account));
}

/** Forgets what was said about accounts no longer watched (they left the organization). */
export async function pruneUnreachableAccounts(redis: Redis, prefix: string | undefined, watched: string[]) {
  const keep = new Set(watched);
  const gone = (await redis.hkeys(unreachableKey(prefix))).filter((a) => !keep.has(a));
  if (gone.length > 0) await redis.hdel(unreachableKey(prefix), ...gone);
  return gone;
}
