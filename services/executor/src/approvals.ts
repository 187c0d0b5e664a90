import type { Decision } from '@elava/types';
import type { Redis } from 'ioredis';

// Taking a pending approval is one step: whoever removes it from the index owns it (approve or
// expire), so an approval racing its expiry resolves one way only.
const TAKE = `if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  local v = redis.call('GET', KEYS[2]) redis.call('DEL', KEYS[2]) return v
end
return false`;

export interface Pending {
  decision: Decision;
  requested_at: string;
  expires_at: string;
}

/**
 * Writes waiting for `elava approve <decision-id>` (behavior.require_approval), in Redis so any
 * executor can take the approval. Each expires after behavior.approval_timeout.
 */
export class Approvals {
  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs: number,
    private readonly prefix = 'elava',
  ) {}

  private get index(): string {
    return `${this.prefix}:approvals`;
  }

  private key(id: string): string {
    return `${this.prefix}:approval:${id}`;
  }

  /** False when the decision already waits (a redelivery). */
  async request(d: Decision, now = Date.now()): Promise<Pending | null> {
    const pending: Pending = {
      decision: d,
      requested_at: new Date(now).toISOString(),
      expires_at: new Date(now + this.timeoutMs).toISOString(),
    };
    const ok = await this.redis.set(this.key(d.id), JSON.stringify(pending), 'PX', this.timeoutMs * 2, 'NX');
    if (ok !== 'OK') return null;
    await this.redis.zadd(this.index, now + this.timeoutMs, d.id);
    return pending;
  }

  /** The pending write, now approved; or why it cannot be (never asked, already taken, expired). */
  async approve(id: string, now = Date.now()): Promise<{ approved: Pending } | { refused: 'unknown' | 'expired' }> {
    const score = await this.redis.zscore(this.index, id);
    if (score === null) return { refused: 'unknown' };
    if (Number(score) <= now) return { refused: 'expired' };
    const p = await this.take(id);
    return p ? { approved: p } : { refused: 'unknown' };
  }

  /** Pending writes whose time is up, each handed to exactly one caller. */
  async expired(now = Date.now()): Promise<Pending[]> {
    const ids = await this.redis.zrangebyscore(this.index, '-inf', now, 'LIMIT', 0, 100);
    const out: Pending[] = [];
    for (const id of ids) {
      const p = await this.take(id);
      if (p) out.push(p);
    }
    return out;
  }

  async list(): Promise<{ id: string; expires_at: string }[]> {
    const raw = await this.redis.zrange(this.index, 0, -1, 'WITHSCORES');
    const out: { id: string; expires_at: string }[] = [];
    for (let i = 0; i < raw.length; i += 2)
      out.push({ id: raw[i] as string, expires_at: new Date(Number(raw[i + 1])).toISOString() });
    return out;
  }

  private async take(id: string): Promise<Pending | null> {
    const raw = (await this.redis.eval(TAKE, 2, this.index, this.key(id), id)) as string | null;
    return raw ? (JSON.parse(raw) as Pending) : null;
  }
}
