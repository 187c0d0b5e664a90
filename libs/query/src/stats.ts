import { CompactedError, type Store } from '@elava/store';
import { type AuditEntry, type EstateStats, parseResourceId, SEVERITIES, type Severity } from '@elava/types';
import { decisionItem } from './trail-items.js';

export type { EstateStats } from '@elava/types';

const HOUR = 3_600_000;
/** Findings and hourly buckets are kept for this long, the longest window a caller may ask for. */
export const MAX_STATS_HOURS = 168;

interface Finding {
  severity: Severity;
  at: number;
}

const bump = (m: Map<string, number>, k: string, by: number) => {
  const n = (m.get(k) ?? 0) + by;
  if (n === 0) m.delete(k);
  else m.set(k, n);
};

/**
 * Counts kept up to date from what was written since the last answer, so an overview costs what
 * changed since it was last asked for, not the size of the estate. The first answer reads the
 * live estate once (and again after a compaction passes the revision the counts stand at).
 */
class Tally {
  private rev = -1;
  private auditSeq = 0;
  private total = 0;
  private readonly byType = new Map<string, number>();
  private readonly byAccount = new Map<string, number>();
  private readonly byRegion = new Map<string, number>();
  /** Hour start (ms) → versions by kind. */
  private readonly hours = new Map<number, { added: number; modified: number; removed: number }>();
  /** resource id → policy package → the latest finding. */
  private readonly findings = new Map<string, Map<string, Finding>>();
  /** Resources gone, with the revision that tombstoned them: findings judged before it are over. */
  private readonly gone = new Map<string, { rev: number; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  answer(hours: number): EstateStats {
    this.catchUp();
    const now = this.now();
    const from = Math.floor((now - hours * HOUR) / HOUR) * HOUR + HOUR;
    const perHour: EstateStats['changes_per_hour'] = [];
    for (let h = from; h <= now; h += HOUR) {
      const b = this.hours.get(h) ?? { added: 0, modified: 0, removed: 0 };
      perHour.push({ hour: new Date(h).toISOString(), ...b });
    }
    const since = now - hours * HOUR;
    const findings = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    for (const byPackage of this.findings.values())
      for (const f of byPackage.values()) if (f.at >= since) findings[f.severity]++;
    return {
      revision: this.rev,
      time: this.store.timeOf(this.rev) ?? null,
      resources: this.total,
      by_type: sorted(this.byType),
      by_account: sorted(this.byAccount),
      by_region: sorted(this.byRegion),
      changes_per_hour: perHour,
      findings,
      since: new Date(since).toISOString(),
    };
  }

  private catchUp(): void {
    const head = this.store.revision;
    if (this.rev < 0 || this.rev < this.store.compactedAt) this.rebuild();
    else if (head > this.rev) this.advance(head);
    this.readFindings();
    this.expire();
  }

  /** The live estate read once, and the window's history replayed into the hourly buckets. */
  private rebuild(): void {
    const head = this.store.revision;
    this.total = 0;
    for (const m of [this.byType, this.byAccount, this.byRegion, this.hours]) m.clear();
    for (const v of this.store.range({}, { at: head, raw: true })) this.place(v.id, 1);
    const windowStart = new Date(this.now() - MAX_STATS_HOURS * HOUR);
    let from: number;
    try {
      from = Math.max(this.store.resolve(windowStart), this.store.compactedAt);
    } catch (err) {
      if (!(err instanceof CompactedError)) throw err;
      from = this.store.compactedAt;
    }
    for (const ch of this.store.changesSince(from)) {
      if (ch.current.revision.main > head) break;
      this.hour(ch.current.time, ch.kind);
      this.mark(ch.id, ch.kind, ch.current.revision.main, ch.current.time);
    }
    this.rev = head;
  }

  private advance(head: number): void {
    for (const ch of this.store.changesSince(this.rev)) {
      if (ch.current.revision.main > head) break;
      if (ch.kind === 'added' || ch.kind === 'reappeared') this.place(ch.id, 1);
      else if (ch.kind === 'tombstoned') this.place(ch.id, -1);
      this.hour(ch.current.time, ch.kind);
      this.mark(ch.id, ch.kind, ch.current.revision.main, ch.current.time);
    }
    this.rev = head;
  }

  private mark(id: string, kind: string, rev: number, time: string): void {
    if (kind === 'tombstoned') {
      this.gone.set(id, { rev, at: Date.parse(time) || this.now() });
      this.findings.delete(id);
    } else if (kind === 'added' || kind === 'reappeared') this.gone.delete(id);
  }

  private place(id: string, by: number): void {
    let p: ReturnType<typeof parseResourceId>;
    try {
      p = parseResourceId(id);
    } catch {
      return;
    }
    this.total += by;
    bump(this.byType, p.type, by);
    bump(this.byAccount, p.account, by);
    bump(this.byRegion, p.region, by);
  }

  private hour(time: string, kind: string): void {
    const t = Date.parse(time);
    if (Number.isNaN(t)) return;
    const h = Math.floor(t / HOUR) * HOUR;
    const b = this.hours.get(h) ?? { added: 0, modified: 0, removed: 0 };
    if (kind === 'tombstoned') b.removed++;
    else if (kind === 'modified') b.modified++;
    else b.added++;
    this.hours.set(h, b);
  }

  /** `decided` entries after the last one read (the first time, those of the longest window). */
  private readFindings(): void {
    const since = this.auditSeq === 0 ? new Date(this.now() - MAX_STATS_HOURS * HOUR) : undefined;
    const head = this.store.auditSeq;
    for (;;) {
      const chunk: AuditEntry[] = this.store.audit({ types: ['decided'], after: this.auditSeq, since, limit: 512 });
      for (const e of chunk) {
        this.auditSeq = e.seq;
        const d = decisionItem(e);
        if (!d?.policy) continue;
        const at = Date.parse(d.time);
        const gone = this.gone.get(d.resource.id);
        // Judged before it went (the decision can be written after the tombstone): not open.
        if (gone && d.revision < gone.rev) continue;
        const byPackage = this.findings.get(d.resource.id) ?? new Map<string, Finding>();
        byPackage.set(d.policy.package, { severity: d.severity, at: Number.isNaN(at) ? Date.parse(e.time) : at });
        this.findings.set(d.resource.id, byPackage);
      }
      if (chunk.length < 512) break;
    }
    // Read up to here at least (re-reading a `decided` entry changes nothing).
    this.auditSeq = Math.max(this.auditSeq, head);
  }

  private expire(): void {
    const oldest = this.now() - MAX_STATS_HOURS * HOUR;
    for (const h of this.hours.keys()) if (h + HOUR < oldest) this.hours.delete(h);
    for (const [id, g] of this.gone) if (g.at < oldest) this.gone.delete(id);
    for (const [id, byPackage] of this.findings) {
      for (const [pkg, f] of byPackage) if (f.at < oldest) byPackage.delete(pkg);
      if (byPackage.size === 0) this.findings.delete(id);
    }
  }
}

function sorted(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));
}

const tallies = new WeakMap<Store, Tally>();

/** The overview's figures; one tally per open store, kept between answers. */
export function estateStats(store: Store, hours: number, now: () => number = Date.now): string {
  let t = tallies.get(store);
  if (!t) {
    t = new Tally(store, now);
    tallies.set(store, t);
  }
  return JSON.stringify(t.answer(hours));
}
