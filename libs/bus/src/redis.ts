import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole = 'producer' | 'worker';

/**
 * BullMQ workers need `maxRetriesPerRequest: null` so a Redis restart pauses them instead of
 * failing jobs; producers fail fast instead, so a caller learns that Redis is gone.
 */
export function createRedis(url: string, role: RedisRole, name?: string): Redis {
  const options: RedisOptions = {
    connectionName: name,
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    enableReadyCheck: true,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 5_000),
  };
  return new Redis(url, options);
}

/** Pings once with a deadline; for probes and readiness checks. */
export async function pingRedis(url: string, timeoutMs = 2_000): Promise<void> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  try {
    await r.connect();
    await r.ping();
  } finally {
    r.disconnect();
  }
}
