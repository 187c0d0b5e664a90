import type { Redis } from 'ioredis';
import { decisionId, type Proposal } from './decide.js';

/** JetStream's duplicate window (libs/bus ensureStreams): a re-publish inside it is dropped. */
const DUPLICATE_WINDOW_MS = 60 * 60 * 1000;

/**
 * What has been decided, in Redis, so a finding that persists across scans is decided once and
 * again only when it says something new or after the re-notify interval. The id of a decision is
 * derived from when it was first decided: a retry (say, after a crash between remembering and
 * publishing) gets the same id and is published again, and the stream drops the copy.
 */
export class DecisionMemory {
  constructor(
    private readonly redis: Redis,
    private readonly renotifyMs: number,
    private readonly prefix = 'elava',
  ) {}

  /** The id to publish under, or null when this was decided recently enough already. */
  async admit(p: Proposal, now = Date.now()): Promise<string | null> {
    const key = `${this.prefix}:decided:${p.key}`;
    const held = await this.redis.get(key);
    if (held) {
      const bar = held.lastIndexOf('|');
      const fingerprint = held.slice(0, bar);
      const at = Number(held.slice(bar + 1));
      if (fingerprint === p.fingerprint && Number.isFinite(at)) {
        return now - at < DUPLICATE_WINDOW_MS ? decisionId(p, at) : null;
      }
    }
    await this.redis.set(key, `${p.fingerprint}|${now}`, 'PX', Math.max(this.renotifyMs, 1));
    return decisionId(p, now);
  }
}
