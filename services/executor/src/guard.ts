import { type Decision, scopeKey } from '@elava/types';
import type { Redis } from 'ioredis';

export interface GuardSettings {
  /** actions.safety.population_guard: the share of a scope that may be eligible at once. */
  share: number;
  /** actions.safety.population_guard_min: fewer eligible than this are never held. */
  min: number;
  /** actions.safety.guard_window: decisions of one scan arrive within it. */
  windowMs: number;
}

export interface GuardVerdict {
  held: boolean;
  scope: string;
  eligible: number;
  /** Live resources of the scope at its last clean scan; null when the recorder could not say. */
  population: number | null;
  /** Set once per burst (by whichever executor gets there first): raise the one alert. */
  raiseAlert: boolean;
}

/**
 * The population guard: when one scan makes more than `share` of a scope's resources eligible for
 * action at once, every one of them is held and one critical alert is raised. Counted in Redis,
 * so any number of executors see the same burst; a decision seen twice counts once.
 */
export class PopulationGuard {
  constructor(
    private readonly redis: Redis,
    readonly settings: GuardSettings,
    private readonly population: (scope: Decision['resource']) => Promise<number | null>,
    private readonly prefix = 'elava',
  ) {}

  static scopeOf(d: Decision): string {
    return scopeKey({ account: d.resource.account, region: d.resource.region, type: d.resource.type });
  }

  private key(scope: string): string {
    return `${this.prefix}:guard:${scope}`;
  }

  /**
   * Counts the decision's resource into its scope's burst (a resource with several decisions, or
   * a decision seen by two executors, counts once); returns when the resource first arrived.
   */
  async note(d: Decision, now = Date.now()): Promise<number> {
    const key = this.key(PopulationGuard.scopeOf(d));
    const added = await this.redis
      .multi()
      .zadd(key, 'NX', now, d.resource.id)
      .zscore(key, d.resource.id)
      .pexpire(key, this.settings.windowMs * 6)
      .exec();
    return Number(added?.[1]?.[1] ?? now);
  }

  /** After the window: the burst around the decision's arrival, against the scope's size. */
  async verdict(d: Decision, arrived: number): Promise<GuardVerdict> {
    const scope = PopulationGuard.scopeOf(d);
    const w = this.settings.windowMs;
    const eligible = await this.redis.zcount(this.key(scope), arrived - w, arrived + w);
    const population = await this.population(d.resource).catch(() => null);
    const over = eligible >= this.settings.min && (population === null || eligible > this.settings.share * population);
    if (!over) return { held: false, scope, eligible, population, raiseAlert: false };
    // One alert per burst: the first executor to set the mark raises it.
    const mark = await this.redis.set(`${this.prefix}:guard-alert:${scope}`, String(arrived), 'PX', w * 6, 'NX');
    return { held: true, scope, eligible, population, raiseAlert: mark === 'OK' };
  }
}

// INCR the interval's counter; past the cap, take it back and refuse.
const TAKE = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n > tonumber(ARGV[1]) then redis.call('DECR', KEYS[1]) return -1 end
return n`;

/** The per-interval cap on writes, shared by every executor (actions.safety.max_writes_per_interval). */
export class WriteCap {
  constructor(
    private readonly redis: Redis,
    private readonly max: number,
    private readonly intervalMs: number,
    private readonly prefix = 'elava',
  ) {}

  /** A slot for one write now, or the time the next interval opens. */
  async take(now = Date.now()): Promise<{ ok: true } | { ok: false; retryAt: number }> {
    const bucket = Math.floor(now / this.intervalMs);
    const n = Number(await this.redis.eval(TAKE, 1, `${this.prefix}:writes:${bucket}`, this.max, this.intervalMs * 2));
    return n > 0 ? { ok: true } : { ok: false, retryAt: (bucket + 1) * this.intervalMs };
  }
}
