import type { Redis } from 'ioredis';

/**
 * A token bucket in Redis, shared by every process that uses the same key: ten scanner workers
 * draw from one budget per (account, region, service) instead of throttling the account ten
 * times over. Refill is computed from Redis's clock, so workers' clocks do not matter.
 */
const TAKE = `
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', key, 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate / 1000)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', key, 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', key, 60000)
return wait
`;

export interface RateBudget {
  /** Calls per second, sustained. */
  rate: number;
  /** Calls allowed at once after an idle spell. */
  burst: number;
}

export class RedisRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly budget: RateBudget,
    private readonly prefix = 'elava:rate',
  ) {}

  /** Resolves when one call may go ahead under `key`'s budget. */
  async take(key: string): Promise<void> {
    for (;;) {
      const wait = Number(await this.redis.eval(TAKE, 1, `${this.prefix}:${key}`, this.budget.rate, this.budget.burst));
      if (wait <= 0) return;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
