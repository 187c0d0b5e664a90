/**
 * Revision ↔ wall clock. Every committed revision has a time, and times never go backwards
 * (a clock step back is clamped), so "as of 10:00" is a binary search.
 */
export class RevisionClock {
  private times: number[] = [];
  /** The revision whose time is times[0]. */
  private base = 1;

  /** Records the time of `main`, which must be the next revision; returns the time used. */
  record(main: number, timeMs: number): number {
    if (this.times.length === 0) this.base = main;
    const expected = this.base + this.times.length;
    if (main !== expected) throw new Error(`revision ${main} recorded out of order (expected ${expected})`);
    const last = this.times[this.times.length - 1] ?? Number.NEGATIVE_INFINITY;
    const t = Math.max(timeMs, last);
    this.times.push(t);
    return t;
  }

  get last(): number {
    return this.base + this.times.length - 1;
  }

  timeOf(main: number): number | undefined {
    return this.times[main - this.base];
  }

  /** The newest revision committed at or before `timeMs`, or 0 if none was. */
  revisionAt(timeMs: number): number {
    let lo = 0;
    let hi = this.times.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] as number) <= timeMs) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? 0 : this.base + found;
  }

  snapshot(): { base: number; times: Float64Array } {
    return { base: this.base, times: Float64Array.from(this.times) };
  }

  static restore(s: { base: number; times: Float64Array }): RevisionClock {
    const c = new RevisionClock();
    c.base = s.base;
    c.times = Array.from(s.times);
    return c;
  }
}
