import type { Redis } from 'ioredis';
import { decisionId, type Proposal } from './decide.js';

/** JetStream's duplicate window (libs/bus ensureStreams): a re-publish inside it is dropped. */
const DUPLICATE_WINDOW_MS = 60 * 60 * 1000;

/**
 * What has been decided, in Redis, so a finding that persists across scans is decided once and
 * again only when it says something new or after the re-notify interval (the key expires). The
 * id of a decision comes from when it was first decided, and the entry is confirmed once
 * published: a retry after a crash in between gets the same id again and publishes it (the stream
 * drops a copy it already has); a confirmed one is not published again.
 */
export class DecisionMemory {
  constructor(
    private readonly redis: Redis,
    private readonly renotifyMs: number,
    private readonly prefix = 'elava',
  ) {}

  private key(p: Proposal): string {
    return `${this.prefix}:decided:${p.key}`;
  }

  /** The id to publish under, or null when this was decided (and published) already. */
  async admit(p: Proposal, now = Date.now()): Promise<string | null> {
    const held = await this.redis.get(this.key(p));
    if (held) {
      const [fingerprint, at, confirmed] = held.split('|');
      const when = Number(at);
      if (fingerprint === p.fingerprint && Number.isFinite(when)) {
        return confirmed !== 'published' && now - when < DUPLICATE_WINDOW_MS ? decisionId(p, when) : null;
      }
    }
    await this.redis.set(this.key(p), `${p.fingerprint}|${now}|pending`, 'PX', Math.max(this.renotifyMs, 1));
    return decisionId(p, now);
  }

  /** Marks admitted proposals as published (keeping their expiry). */
  async confirm(ps: Proposal[]): Promise<void> {
    if (ps.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const p of ps) pipeline.eval(CONFIRM, 1, this.key(p), p.fingerprint);
    await pipeline.exec();
  }
}

/** Sets `|published` on the entry if it still holds this fingerprint, keeping the TTL. */
const CONFIRM = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local fp, at = string.match(v, '^(.-)|(%d+)|')
if fp ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], fp .. '|' .. at .. '|published', 'KEEPTTL')
return 1
`;
