import { randomUUID } from 'node:crypto';
import type { Claim } from '@elava/types';
import type { Redis } from 'ioredis';

// Renew and release only when the lease is still ours: a compare-and-swap on the owner token, so
// an executor whose claim expired and was taken by another can never extend or drop that one.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * Leases on resources in Redis (`SET NX PX`): one executor acts on a resource at a time, across
 * processes and machines. An executor that dies leaves its claim to expire after the TTL.
 */
export class ClaimStore {
  constructor(
    private readonly redis: Redis,
    private readonly owner: string,
    private readonly ttlMs: number,
    private readonly prefix = 'elava',
  ) {}

  private key(resourceId: string): string {
    return `${this.prefix}:claim:${resourceId}`;
  }

  /** The claim, or null when another executor holds the resource. */
  async acquire(resourceId: string, decisionId: string): Promise<Claim | null> {
    const token = `${this.owner}/${randomUUID()}`;
    const ok = await this.redis.set(this.key(resourceId), token, 'PX', this.ttlMs, 'NX');
    if (ok !== 'OK') return null;
    return {
      resource_id: resourceId,
      owner: this.owner,
      token,
      expires_at: Date.now() + this.ttlMs,
      decision_id: decisionId,
    };
  }

  /** False when the claim was lost (expired, or taken by another after expiring). */
  async renew(claim: Claim): Promise<boolean> {
    const ok = (await this.redis.eval(RENEW, 1, this.key(claim.resource_id), claim.token, this.ttlMs)) === 1;
    if (ok) claim.expires_at = Date.now() + this.ttlMs;
    return ok;
  }

  async release(claim: Claim): Promise<boolean> {
    return (await this.redis.eval(RELEASE, 1, this.key(claim.resource_id), claim.token)) === 1;
  }

  /** Who holds a resource now (for status and tests). */
  async holder(resourceId: string): Promise<string | null> {
    return this.redis.get(this.key(resourceId));
  }

  /**
   * Runs `work` under the claim, renewing it every third of the TTL. `stillHeld()` tells the work
   * whether the lease is still ours; it is checked right before each write.
   */
  async hold<T>(claim: Claim, work: (stillHeld: () => Promise<boolean>) => Promise<T>): Promise<T> {
    let lost = false;
    const timer = setInterval(
      () =>
        void this.renew(claim)
          .then((ok) => {
            if (!ok) lost = true;
          })
          .catch(() => {
            lost = true;
          }),
      Math.max(50, Math.floor(this.ttlMs / 3)),
    );
    try {
      return await work(async () => !lost && claim.expires_at > Date.now() && (await this.renew(claim)));
    } finally {
      clearInterval(timer);
      await this.release(claim).catch(() => false);
    }
  }
}

/** What the trail records of a claim: never the token itself, which would let a reader release it. */
export const claimRecord = (c: Claim) => ({
  resource_id: c.resource_id,
  owner: c.owner,
  expires_at: new Date(c.expires_at).toISOString(),
});
