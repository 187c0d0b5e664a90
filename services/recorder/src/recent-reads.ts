/**
 * Targeted re-reads recorded lately (canonical id → when AWS answered, epoch ms), so that a sweep
 * that read a resource *before* an event's re-read, but reaches the recorder after it, neither
 * rolls the resource back to what it read nor tombstones one the re-read found (a resource made
 * after the sweep listed its scope). Kept in memory: after a restart the guard starts empty, and
 * the next sweep settles anything it would have caught.
 */
export class RecentReads {
  private readonly at = new Map<string, number>();

  constructor(
    /** Longer than any sweep lasts: an entry older than this cannot outrank a sweep in flight. */
    private readonly keepMs = 3_600_000,
    private readonly max = 200_000,
  ) {}

  record(ids: Iterable<string>, observedMs: number): void {
    for (const id of ids) {
      // Re-inserted so the map's order stays oldest first, which is what pruning relies on.
      this.at.delete(id);
      this.at.set(id, observedMs);
    }
    this.prune(observedMs);
  }

  /** Whether a targeted read of `id` is newer than `ms` (then it outranks what a sweep saw at `ms`). */
  newerThan(id: string, ms: number): boolean {
    const t = this.at.get(id);
    return t !== undefined && t > ms;
  }

  /** Ids of `scopePrefix` (`aws:<account>:<region>:<type>:`) re-read at or after `ms`. */
  since(scopePrefix: string, ms: number): string[] {
    const out: string[] = [];
    for (const [id, t] of this.at) if (t >= ms && id.startsWith(scopePrefix)) out.push(id);
    return out;
  }

  get size(): number {
    return this.at.size;
  }

  private prune(now: number): void {
    for (const [id, t] of this.at) {
      if (this.at.size <= this.max && t >= now - this.keepMs) break;
      this.at.delete(id);
    }
  }
}
