import type { Redis } from 'ioredis';
import { decisionId, type Proposal, saysNothingNew } from './decide.js';

/** JetStream's duplicate window (libs/bus ensureStreams): a re-publish inside it is dropped. */
const DUPLICATE_WINDOW_MS = 60 * 60 * 1000;

/** A decision as the trail's `decided` entry remembers it. */
export interface RecalledDecision {
  key: string;
  fingerprint: string;
  /** When it was decided (ms). */
  at: number;
}

/** Where the memory comes back from when Redis lost it: the audit trail, the truth. */
export interface DecisionTrail {
  /** The store the recorder holds now. */
  current(): Promise<string>;
  /** `decided` entries of the store the recorder holds, from `since` on, a page at a time. */
  decidedSince(since: Date): AsyncIterable<RecalledDecision[]>;
}

/** A request about a store the recorder no longer holds (left in a queue when the store was replaced). */
export class ReplacedStoreError extends Error {
  constructor(
    readonly store: string,
    readonly current: string,
  ) {
    super(`store ${store} was replaced by ${current}: its requests are dropped`);
    this.name = 'ReplacedStoreError';
  }
}

/**
 * What has been decided, in Redis, so a finding that persists across scans is decided once and
 * again only when it says something new or after the re-notify interval (the key expires). The
 * id of a decision comes from when it was first decided, and the entry is confirmed once
 * published: a retry after a crash in between gets the same id again and publishes it (the stream
 * drops a copy it already has); a confirmed one is not published again.
 *
 * Kept per store, and only a cache of the trail: when Redis has lost it (no marker for the store),
 * `recall` rebuilds it from the trail's `decided` entries of the last re-notify interval before
 * anything is decided, so a flushed Redis does not re-announce every finding at once.
 */
export class DecisionMemory {
  private known: { store: string; until: number } | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly renotifyMs: number,
    private readonly prefix = 'elava',
    private readonly trail?: DecisionTrail,
    private readonly clock: () => number = Date.now,
  ) {}

  private key(store: string, proposalKey: string): string {
    return `${this.prefix}:decided:${store}:${proposalKey}`;
  }

  private marker(store: string): string {
    return `${this.prefix}:decided-memory:${store}`;
  }

  /**
   * Before deciding for `store`: refuses a store the recorder no longer holds, and rebuilds the
   * memory from the trail when Redis has none for it. Returns how many decisions were recalled.
   */
  async recall(store: string): Promise<number> {
    if (!this.trail) return 0;
    const now = this.clock();
    if (this.known?.store !== store || this.known.until < now) {
      const current = await this.trail.current();
      if (current !== store) throw new ReplacedStoreError(store, current);
      // Asked again now and then: a store can be replaced under a running policy service.
      this.known = { store, until: now + 10_000 };
    }
    if ((await this.redis.exists(this.marker(store))) === 1) return 0;
    const latest = new Map<string, RecalledDecision>();
    for await (const page of this.trail.decidedSince(new Date(now - this.renotifyMs)))
      for (const d of page) latest.set(d.key, d);
    const pipeline = this.redis.pipeline();
    let kept = 0;
    for (const d of latest.values()) {
      const left = this.renotifyMs - (now - d.at);
      if (left <= 0) continue;
      // NX: whatever another instance decided meanwhile is newer than the trail's copy.
      pipeline.set(this.key(store, d.key), `${d.fingerprint}|${d.at}|published`, 'PX', left, 'NX');
      kept++;
    }
    pipeline.set(this.marker(store), String(now));
    await pipeline.exec();
    return kept;
  }

  /** The id to publish under, or null when this was decided (and published) already. */
  async admit(p: Proposal, now = this.clock()): Promise<string | null> {
    return (await this.admitAll([p], now))[0] ?? null;
  }

  /**
   * `admit` for many at once: one read and one write round trip to Redis for a whole request, not
   * two per proposal (a sweep that finds the same things again is mostly reads that say "known").
   * A key twice in one call is answered as if admitted one after the other.
   */
  async admitAll(ps: readonly Proposal[], now = this.clock()): Promise<(string | null)[]> {
    if (ps.length === 0) return [];
    const keys = ps.map((p) => this.key(p.decision.store, p.key));
    const distinct = [...new Set(keys)];
    const values = await this.redis.mget(...distinct);
    const held = new Map(distinct.map((k, i) => [k, values[i] ?? null]));
    const writes = this.redis.pipeline();
    let written = 0;
    const ids = ps.map((p, i) => {
      const key = keys[i] as string;
      const { id, write } = admission(held.get(key) ?? null, p, now, this.renotifyMs);
      if (write) {
        held.set(key, write.value);
        if (write.ttlMs === undefined) writes.set(key, write.value, 'KEEPTTL');
        else writes.set(key, write.value, 'PX', write.ttlMs);
        written++;
      }
      return id;
    });
    if (written > 0) {
      for (const [err] of (await writes.exec()) ?? []) if (err) throw err;
    }
    return ids;
  }

  /** Marks admitted proposals as published (keeping their expiry). */
  async confirm(ps: Proposal[]): Promise<void> {
    if (ps.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const p of ps) pipeline.eval(CONFIRM, 1, this.key(p.decision.store, p.key), p.fingerprint);
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

/**
 * What `admit` answers for one proposal given what Redis holds for its key, and what it writes
 * there (no ttlMs: the entry's expiry is kept).
 */
function admission(
  held: string | null,
  p: Proposal,
  now: number,
  renotifyMs: number,
): { id: string | null; write?: { value: string; ttlMs?: number } } {
  if (held) {
    const [fingerprint, at, confirmed] = held.split('|');
    const when = Number(at);
    if (fingerprint === p.fingerprint && Number.isFinite(when)) {
      return { id: confirmed !== 'published' && now - when < DUPLICATE_WINDOW_MS ? decisionId(p, when) : null };
    }
    // Fewer findings than when decided (a port closed again): nothing new to say. The smaller set
    // is remembered, so the finding that went is news again if it comes back.
    if (fingerprint && confirmed === 'published' && Number.isFinite(when) && saysNothingNew(p.fingerprint, fingerprint))
      return { id: null, write: { value: `${p.fingerprint}|${at}|published` } };
  }
  return {
    id: decisionId(p, now),
    write: { value: `${p.fingerprint}|${now}|pending`, ttlMs: Math.max(renotifyMs, 1) },
  };
}
