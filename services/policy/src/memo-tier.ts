import type { Redis } from 'ioredis';

/**
 * Where memoized evaluations outlive the process. A space is one store, one library and one time
 * generation (memo.ts); each space expires as a whole, so the memo never grows beyond a couple of
 * generations of the estate.
 */
export interface MemoTier {
  /** The values of `fields` in `space`, null where nothing is held. */
  get(space: string, fields: readonly string[]): Promise<(string | null)[]>;
  set(space: string, entries: readonly (readonly [string, string])[], ttlMs: number): Promise<void>;
}

/** A Redis hash per space: `<prefix>:policy-memo:<store>:<library>:<generation>`. */
export class RedisMemoTier implements MemoTier {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(space: string): string {
    return `${this.prefix}:policy-memo:${space}`;
  }

  async get(space: string, fields: readonly string[]): Promise<(string | null)[]> {
    if (fields.length === 0) return [];
    return this.redis.hmget(this.key(space), ...fields);
  }

  async set(space: string, entries: readonly (readonly [string, string])[], ttlMs: number): Promise<void> {
    if (entries.length === 0) return;
    const key = this.key(space);
    await this.redis
      .pipeline()
      .hset(key, ...entries.flat())
      .pexpire(key, Math.max(1, Math.round(ttlMs)))
      .exec();
  }
}
