/** "When" in the CLI and API: a revision number, an RFC 3339 time, an age such as 24h or 7d, or `now`. */
export type RevisionSelector = number | Date | string;

const AGE = /^(\d+(?:\.\d+)?)(s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 };

export class InvalidSelectorError extends Error {
  constructor(text: string) {
    super(
      `cannot read ${JSON.stringify(text)} as a time: give a revision number, an RFC 3339 time, an age such as 30m, 24h, 7d, or now`,
    );
    this.name = 'InvalidSelectorError';
  }
}

/** A revision number, or a wall-clock instant to be resolved to the revision in force then. */
export function parseSelector(at: RevisionSelector, now = Date.now()): number | Date {
  if (typeof at === 'number') {
    if (!Number.isInteger(at) || at < 0) throw new InvalidSelectorError(String(at));
    return at;
  }
  if (at instanceof Date) {
    if (Number.isNaN(at.getTime())) throw new InvalidSelectorError(String(at));
    return at;
  }
  const s = at.trim();
  if (/^\d+$/.test(s)) return Number(s);
  if (s.toLowerCase() === 'now') return new Date(now);
  const age = AGE.exec(s);
  if (age) return new Date(now - Number(age[1]) * (UNIT_MS[age[2] as string] as number));
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(s)) {
    const d = new Date(s);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new InvalidSelectorError(s);
}
