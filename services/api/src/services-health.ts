import { readHeartbeats } from '@elava/bus';
import type { Redis } from 'ioredis';

/** The services `elava up` runs (as `elava status` names them); one without a heartbeat is down. */
export const EXPECTED_SERVICES = [
  'scanner',
  'scheduler',
  'recorder',
  'detector',
  'policy',
  'notifier',
  'executor',
  'api',
];

export interface ServicesHealth {
  healthy: boolean;
  /** Expected services without a heartbeat, and instances that say they are not ready. */
  down: string[];
  services: {
    service: string;
    instance: string;
    ready: boolean;
    checks: Record<string, string>;
    started_at: string;
    seen_at: string;
  }[];
}

/** The services' part of `elava status`, from the heartbeats every service writes to Redis. */
export async function servicesHealth(redis: Redis, prefix: string): Promise<ServicesHealth> {
  const beats = await readHeartbeats(redis, prefix);
  const seen = new Set(beats.map((b) => b.service));
  const down = [
    ...EXPECTED_SERVICES.filter((s) => !seen.has(s)),
    ...beats.filter((b) => !b.ready).map((b) => `${b.instance} (not ready)`),
  ];
  return {
    healthy: down.length === 0,
    down,
    services: beats
      .map(({ service, instance, ready, checks, started_at, seen_at }) => ({
        service,
        instance,
        ready,
        checks,
        started_at,
        seen_at,
      }))
      .sort((a, b) => a.service.localeCompare(b.service) || a.instance.localeCompare(b.instance)),
  };
}
