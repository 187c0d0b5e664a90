import type { Finding } from './policy-set.js';

/**
 * The memo's answers held in this process, in front of Redis: a map per space (store, library,
 * generation) so that a lookup hashes only the field, never a key put together per resource. The
 * oldest entries are let go first once `capacity` is reached.
 */
export class MemoryTier {
  private readonly spaces = new Map<string, Map<string, Finding[]>>();
  private size = 0;

  constructor(private readonly capacity: number) {}

  get(space: string, field: string): Finding[] | undefined {
    return this.spaces.get(space)?.get(field);
  }

  set(space: string, field: string, findings: Finding[]): void {
    let held = this.spaces.get(space);
    if (!held) {
      held = new Map();
      this.spaces.set(space, held);
    }
    if (!held.has(field)) {
      if (this.size >= this.capacity) this.shed(Math.max(1, Math.floor(this.capacity / 10)));
      this.size++;
    }
    held.set(field, findings);
  }

  /** Lets go of `n` entries, the oldest spaces' oldest first. */
  private shed(n: number): void {
    for (const [space, held] of this.spaces) {
      for (const field of held.keys()) {
        if (n === 0) return;
        held.delete(field);
        this.size--;
        n--;
      }
      if (held.size === 0) this.spaces.delete(space);
    }
  }
}
