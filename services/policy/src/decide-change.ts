import { type Action, type AnyResource, isBlessed, isManaged, type PublishedChange, type Severity } from '@elava/types';
import type { DecisionSettings, Proposal } from './decide.js';

type Base = Pick<Proposal['decision'], 'store' | 'resource' | 'revision' | 'time'>;
type Meta = (extra?: Record<string, unknown>) => Record<string, unknown>;

const MAX_PATHS = 5;

/** No tags at all, AWS's own (`aws:…`, which nobody chose) aside. */
const untagged = (r: AnyResource | null): boolean =>
  r !== null && !Object.keys(r.tags ?? {}).some((k) => !k.startsWith('aws:'));

const isProduction = (r: AnyResource, tag: { key: string; values: string[] }): boolean =>
  tag.values.includes(r.tags?.[tag.key] ?? '');

/** What a person reads about a change of each kind. */
function reasonFor(c: PublishedChange, r: AnyResource): string {
  switch (c.type) {
    case 'appeared':
      return untagged(c.current) ? `${r.id} appeared without tags` : `${r.id} appeared`;
    case 'disappeared':
      return c.previous && isManaged(c.previous) ? `managed resource ${r.id} disappeared` : `${r.id} disappeared`;
    case 'status_changed': {
      const d = c.diff.find((f) => f.path === 'status') ?? c.diff[0];
      return `${r.id} went from ${String(d?.before ?? '?')} to ${String(d?.after ?? '?')}`;
    }
    case 'cost_increase':
      return `${r.id} costs about $${(c.monthly_cost_delta ?? 0).toFixed(2)} more a month`;
    case 'tag_drift':
      return `tags of ${r.id} drifted`;
    case 'modified': {
      const paths = c.diff.map((f) => f.path);
      const more = paths.length > MAX_PATHS ? ` and ${paths.length - MAX_PATHS} more` : '';
      return `${r.id} changed: ${paths.slice(0, MAX_PATHS).join(', ')}${more}`;
    }
  }
}

/**
 * The change rules. Every tracked change whose `alert_on` severity (the detector's label) is not
 * `none` is one decision, its action from severity_actions, decided once per change id; a blessed
 * resource gone is an alert whatever severity_actions say, and one under any other change is
 * protected (blessed_protection); tag drift is put back (tag_violations) or reported; a production
 * resource under a change is protected (auto_protect_prod). The first scan of a scope is the estate
 * being found, not changing: its appearances decide nothing (the policies still judge each resource).
 */
export function proposeForChange(
  r: AnyResource,
  c: PublishedChange,
  settings: DecisionSettings,
  base: Base,
  meta: Meta,
): Proposal[] {
  const out: Proposal[] = [];
  const add = (action: Action, severity: Severity, reason: string, extra: Record<string, unknown>) =>
    out.push({
      key: `change:${c.id}:${action}`,
      fingerprint: c.id,
      decision: {
        action,
        severity,
        reason,
        change: { id: c.id, type: c.type },
        ...base,
        // Who made the change (issue 15), for `elava why`, Slack and anyone reading decisions.
        metadata: meta(c.actor ? { ...extra, actor: c.actor } : extra),
      },
    });
  const blessed = isBlessed(c.type === 'disappeared' && c.previous ? c.previous : r);
  const severity = c.severity;
  // Elava's own executor made it: attributed in the trail, never a decision (not drift).
  if (c.baseline || c.actor?.elava) return out;
  if (blessed) {
    if (c.type === 'disappeared') {
      if (severity !== 'none') add('alert', severity, `blessed resource ${r.id} disappeared`, {});
      return out;
    }
    if (settings.protectBlessed) add('protect', 'critical', `blessed resource ${r.id} changed (${c.type})`, {});
  }
  const production = settings.protectProd && c.type !== 'disappeared' && c.type !== 'appeared';
  if (production && !blessed && isProduction(r, settings.protectProd as { key: string; values: string[] }))
    add('protect', 'warning', `production resource ${r.id} changed (${c.type}): protect it`, {});
  if (severity === 'none') return out;
  if (c.type === 'tag_drift') {
    // A drift made entirely of Elava's own writes (explained away before this) decides nothing.
    if (!c.diff.some((f) => f.path.startsWith('tags.'))) return out;
    // Only tags removed or changed are put back: an added tag (a person's, or one auto_tag
    // wrote) is no harm, and undoing it would fight auto_tag forever.
    const restore = c.diff.filter((f) => f.path.startsWith('tags.') && f.before !== undefined);
    if (settings.remediateTags && restore.length > 0 && !blessed)
      add('enforce_policy', severity, `tags of ${r.id} drifted; restore them`, { restore });
    else add('notify', severity, reasonFor(c, r), { diff: c.diff });
    return out;
  }
  const action = settings.severityActions[severity];
  add(action, severity, reasonFor(c, r), {
    diff: c.diff,
    ...(c.monthly_cost_delta !== undefined ? { monthly_cost_delta: c.monthly_cost_delta } : {}),
  });
  return out;
}
