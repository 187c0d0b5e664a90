import type { FieldDiff } from '@elava/types';
import type { Redis } from 'ioredis';
import { redisPrefix } from './queue.js';

const REMOVED = '\u0000removed';

/**
 * The tags Elava's executor wrote, per resource, so the next scan's tag drift that they explain is
 * not taken for someone else's change (restoring it would undo Elava's own write, forever). Each
 * write explains one later drift of that key to that value, then is forgotten. Kept per store: the
 * drift is one between two revisions of that store.
 */
export class OwnWrites {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = redisPrefix(),
    private readonly ttlSeconds = 7 * 86_400,
  ) {}

  private key(store: string, resourceId: string): string {
    return `${this.prefix}:own-tags:${store}:${resourceId}`;
  }

  async record(store: string, resourceId: string, set: Record<string, string>, removed: string[]): Promise<void> {
    const fields: string[] = [];
    for (const [k, v] of Object.entries(set)) fields.push(k, v);
    for (const k of removed) fields.push(k, REMOVED);
    if (fields.length === 0) return;
    await this.redis
      .multi()
      .hset(this.key(store, resourceId), ...fields)
      .expire(this.key(store, resourceId), this.ttlSeconds)
      .exec();
  }

  /** The tag values Elava wrote on a resource and no scan has seen yet. */
  async tags(store: string, resourceId: string): Promise<Record<string, string>> {
    const ours = await this.redis.hgetall(this.key(store, resourceId));
    return Object.fromEntries(Object.entries(ours).filter(([, v]) => v !== REMOVED));
  }

  /** The diff without the tag changes Elava made itself (those are forgotten as they are used). */
  async explain(store: string, resourceId: string, diff: FieldDiff[]): Promise<FieldDiff[]> {
    const tagDiffs = diff.filter((f) => f.path.startsWith('tags.'));
    if (tagDiffs.length === 0) return diff;
    const ours = await this.redis.hgetall(this.key(store, resourceId));
    if (Object.keys(ours).length === 0) return diff;
    const used: string[] = [];
    const rest = diff.filter((f) => {
      if (!f.path.startsWith('tags.')) return true;
      const k = f.path.slice('tags.'.length);
      const wrote = ours[k];
      const explained = wrote !== undefined && (wrote === REMOVED ? f.after === undefined : f.after === wrote);
      if (explained) used.push(k);
      return !explained;
    });
    if (used.length > 0) await this.redis.hdel(this.key(store, resourceId), ...used);
    return rest;
  }
}
