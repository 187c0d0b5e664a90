import type { ElavaConfig } from '@elava/config';
import { GLOBAL_REGION, isGlobalType, RESOURCE_TYPES, type ResourceType, type Scope, scopeKey } from '@elava/types';

export interface PlannedScope {
  key: string;
  scope: Scope;
  tier: string;
  intervalMs: number;
}

export interface Plan {
  scopes: PlannedScope[];
  /**
   * Types no tier scans unfiltered, so the sweep at `change_detection.check_interval` scans
   * them (tier `check_interval`): the sweep is what sees them disappear.
   */
  swept: ResourceType[];
}

/** The tier name of the unfiltered sweep at `change_detection.check_interval`. */
export const SWEEP_TIER = 'check_interval';

type Pattern = ElavaConfig['scanning']['tiers'][string]['patterns'][number];

/** `ec2.instance`, a service (`rds`, `rds.*`), or `*`; no type at all is every type. */
function typesOf(p: Pattern): ResourceType[] {
  if (p.type === undefined) return [...RESOURCE_TYPES];
  const sel = (Array.isArray(p.type) ? p.type : [p.type]).map((s) => (s.endsWith('.*') ? s.slice(0, -2) : s));
  return RESOURCE_TYPES.filter((t) => sel.some((s) => s === '*' || s === t || t.startsWith(`${s}.`)));
}

/**
 * Tiers → scopes, one per (account, region, type[, tag filter]). A pattern with tags becomes a
 * filtered scope (which never tombstones, so it only scans its resources more often); a tier
 * without patterns scans every type that no tier scans unfiltered; every type still left is swept
 * unfiltered every `change_detection.check_interval`, so each type has one scope that sees its
 * resources disappear. A scope claimed by several tiers runs at the shortest interval. Status in a
 * pattern narrows nothing here: the API cannot filter on it, so the whole type is read. An
 * account's own `regions` replace the top-level list for that account. A global type (IAM,
 * CloudFront, Route 53) has one scope per account, in the region `global`, whatever the regions.
 */
export function planScopes(
  config: Pick<ElavaConfig, 'scanning' | 'regions'> & {
    change_detection: Pick<ElavaConfig['change_detection'], 'check_interval'>;
    accounts?: Pick<ElavaConfig['accounts'][number], 'id' | 'regions'>[];
  },
  accounts: string[],
): Plan {
  const wanted = new Map<string, { filter?: Scope['filter']; type: ResourceType; tier: string; intervalMs: number }>();
  const claim = (type: ResourceType, tier: string, intervalMs: number, tags?: Record<string, string | string[]>) => {
    const filter = tags && Object.keys(tags).length > 0 ? { tags } : undefined;
    const key = scopeKey({ account: '-', region: '-', type, ...(filter ? { filter } : {}) });
    const prior = wanted.get(key);
    if (!prior || intervalMs < prior.intervalMs) wanted.set(key, { filter, type, tier, intervalMs });
  };
  const tiers = Object.entries(config.scanning.tiers);
  for (const [tier, t] of tiers) {
    for (const p of t.patterns) for (const type of typesOf(p)) claim(type, tier, t.scan_interval, p.tags);
  }
  const unfiltered = new Set([...wanted.values()].filter((w) => !w.filter).map((w) => w.type));
  for (const [tier, t] of tiers) {
    if (t.patterns.length > 0) continue;
    for (const type of RESOURCE_TYPES) if (!unfiltered.has(type)) claim(type, tier, t.scan_interval);
  }
  const covered = new Set([...wanted.values()].filter((w) => !w.filter).map((w) => w.type));
  const swept = RESOURCE_TYPES.filter((t) => !covered.has(t));
  for (const type of swept) claim(type, SWEEP_TIER, config.change_detection.check_interval);
  const scopes: PlannedScope[] = [];
  for (const account of accounts) {
    const own = config.accounts?.find((a) => a.id === account)?.regions;
    const regions = own ?? config.regions;
    for (const w of wanted.values()) {
      for (const region of isGlobalType(w.type) ? [GLOBAL_REGION] : regions) {
        const scope: Scope = { account, region, type: w.type, ...(w.filter ? { filter: w.filter } : {}) };
        scopes.push({ key: scopeKey(scope), scope, tier: w.tier, intervalMs: w.intervalMs });
      }
    }
  }
  scopes.sort((a, b) => (a.key < b.key ? -1 : 1));
  return { scopes, swept };
}

/**
 * Off hours (outside `work_hours` in `timezone`, or at weekends) scans run `off_hours_factor`
 * times less often.
 */
export function intervalNow(base: number, adaptive: ElavaConfig['scanning']['adaptive_hours'], now: Date): number {
  if (!adaptive.enabled) return base;
  return isWorkTime(adaptive.work_hours, adaptive.timezone, now) ? base : Math.round(base * adaptive.off_hours_factor);
}

export function isWorkTime(hours: string, timezone: string, now: Date): boolean {
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
    hourCycle: 'h23',
  });
  for (const p of format.formatToParts(now)) parts[p.type] = p.value;
  if (parts.weekday === 'Sat' || parts.weekday === 'Sun') return false;
  const minutes = Number(parts.hour) * 60 + Number(parts.minute);
  const [from, to] = hours.split('-').map((hm) => {
    const [h, m] = hm.split(':').map(Number);
    return (h ?? 0) * 60 + (m ?? 0);
  }) as [number, number];
  return from <= to ? minutes >= from && minutes < to : minutes >= from || minutes < to;
}
