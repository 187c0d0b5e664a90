import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { redisPrefix } from './queue.js';

/** What each running service says about itself, every few seconds, for `elava status`. */
export interface Heartbeat {
  service: string;
  instance: string;
  host: string;
  pid: number;
  /** Its /healthz, /readyz and /metrics port. */
  port?: number;
  ready: boolean;
  checks: Record<string, string>;
  started_at: string;
  seen_at: string;
}

export interface HeartbeatSource {
  service: string;
  port?: number;
  readiness(): Promise<{ ready: boolean; checks: Record<string, string> }>;
}

const keyPrefix = (prefix?: string) => `${redisPrefix(prefix)}:heartbeat:`;

/**
 * Writes the service's heartbeat to Redis every `everyMs`, expiring after three missed beats, so
 * a process that died drops out of `elava status` on its own. Returns the stop function.
 */
export function startHeartbeat(
  redis: Redis,
  source: HeartbeatSource,
  opts: { prefix?: string; everyMs?: number } = {},
): () => Promise<void> {
  const every = opts.everyMs ?? 5_000;
  const instance = process.env.ELAVA_INSTANCE || `${hostname()}-${process.pid}`;
  const key = `${keyPrefix(opts.prefix)}${source.service}:${instance}`;
  const started = new Date().toISOString();
  const beat = async () => {
    const r = await source.readiness().catch(() => ({ ready: false, checks: {} }));
    const hb: Heartbeat = {
      service: source.service,
      instance,
      host: hostname(),
      pid: process.pid,
      ...(source.port ? { port: source.port } : {}),
      ready: r.ready,
      checks: r.checks,
      started_at: started,
      seen_at: new Date().toISOString(),
    };
    await redis.set(key, JSON.stringify(hb), 'PX', every * 3);
  };
  void beat().catch(() => {});
  const timer = setInterval(() => void beat().catch(() => {}), every);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await redis.del(key).catch(() => 0);
  };
}

/** Every live heartbeat, by service then instance. */
export async function readHeartbeats(redis: Redis, prefix?: string): Promise<Heartbeat[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${keyPrefix(prefix)}*`, 'COUNT', 500);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values
    .flatMap((v) => {
      try {
        return v ? [JSON.parse(v) as Heartbeat] : [];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.service.localeCompare(b.service) || a.instance.localeCompare(b.instance));
}
