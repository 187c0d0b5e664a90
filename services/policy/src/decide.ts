import { createHash } from 'node:crypto';
import {
  type Action,
  type AnyResource,
  type Decision,
  isBlessed,
  type PublishedChange,
  type Severity,
} from '@elava/types';
import type { Finding } from './policy-set.js';

export interface DecisionSettings {
  mode: 'notify' | 'enforce' | 'dry_run';
  /** policies.severity_actions */
  severityActions: Record<Severity, Action>;
  /** policies.auto_remediate.tag_violations: tag drift is put back (enforce_policy) rather than reported. */
  remediateTags: boolean;
  /** policies.auto_remediate.protect_blessed */
  protectBlessed: boolean;
  /** actions.tagging.auto_tag_untagged */
  autoTag: boolean;
}

/** What one evaluation is about: a resource as recorded, perhaps with the change that made it so. */
export interface Subject {
  /** The store the resource's revisions are in. */
  store: string;
  resource: AnyResource;
  change?: PublishedChange;
  revision: number;
  findings: Finding[];
  time: string;
}

/**
 * A decision before de-duplication: `key` names what it is about (resource + policy rule, or the
 * change), `fingerprint` what it says, so the same finding on the next scan is recognised.
 */
export interface Proposal {
  key: string;
  fingerprint: string;
  decision: Omit<Decision, 'id'>;
}

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
/**
 * Quantities in a message (days stopped, GiB, hours) change without the finding changing; other
 * numbers (a port, a count) are what the finding is about: port 3389 open is not port 22 open.
 */
const stable = (msg: string) => msg.replace(/\d+(\.\d+)?(?=\s*(days?|hours?|minutes?|GiB|GB|TiB|%|USD|\$))/g, '#');

/**
 * The seed rules: a blessed resource gone → critical alert (and protect for one under change when
 * configured); tag drift → enforce_policy when tag remediation is on, else notify; findings by
 * severity through severity_actions, except tagging findings (auto_tag when configured, else
 * notify). Nothing here ever deletes: no such action exists.
 */
export function propose(s: Subject, settings: DecisionSettings): Proposal[] {
  const out: Proposal[] = [];
  const r = s.resource;
  const base = {
    store: s.store,
    resource: { id: r.id, type: r.type, account: r.account, region: r.region, tags: r.tags ?? {} },
    revision: s.revision,
    time: s.time,
  };
  const meta = (extra: Record<string, unknown> = {}) => ({
    mode: settings.mode,
    ...(settings.mode === 'dry_run' ? { dry_run: true } : {}),
    ...extra,
  });
  const c = s.change;
  if (c) {
    const changeRef = { id: c.id, type: c.type };
    const blessed = isBlessed(c.type === 'disappeared' && c.previous ? c.previous : r);
    const add = (action: Action, severity: Severity, reason: string, extra?: Record<string, unknown>) =>
      out.push({
        key: `change:${c.id}:${action}`,
        fingerprint: c.id,
        decision: { action, severity, reason, change: changeRef, ...base, metadata: meta(extra) },
      });
    if (c.type === 'disappeared' && blessed) add('alert', 'critical', `blessed resource ${r.id} disappeared`);
    else if (blessed && settings.protectBlessed)
      add('protect', 'critical', `blessed resource ${r.id} changed (${c.type})`);
    // A drift made entirely of Elava's own writes (explained away before this) decides nothing.
    if (c.type === 'tag_drift' && !blessed && c.diff.some((f) => f.path.startsWith('tags.'))) {
      const severity: Severity = c.severity === 'none' ? 'warning' : c.severity;
      // Only tags removed or changed are put back: an added tag (a person's, or one auto_tag
      // wrote) is no harm, and undoing it would fight auto_tag forever.
      const restore = c.diff.filter((f) => f.path.startsWith('tags.') && f.before !== undefined);
      if (settings.remediateTags && restore.length > 0)
        add('enforce_policy', severity, `tags of ${r.id} drifted; restore them`, { restore });
      else add('notify', severity, `tags of ${r.id} drifted`, { diff: c.diff });
    }
  }
  const fromChange = out.length;
  for (const f of s.findings) {
    // A policy that says what a change rule already said (blessed and gone) joins that decision.
    const same = out
      .slice(0, fromChange)
      .find((p) => p.decision.severity === f.severity && p.decision.action === settings.severityActions[f.severity]);
    if (same && !same.decision.policy) {
      same.decision.policy = { package: f.package, rule: f.rule };
      same.decision.metadata = { ...same.decision.metadata, policy_msg: f.msg };
      continue;
    }
    const tagging = f.package === 'elava.tags';
    // The desired inventory only ever reports: nothing is created or deleted to match it.
    // Tags being restored are not filled in with defaults as well: the restore is the exact answer.
    const restoring = out.some((p) => p.decision.action === 'enforce_policy');
    const action: Action =
      f.package === 'elava.inventory'
        ? 'notify'
        : tagging
          ? settings.autoTag && !restoring
            ? 'auto_tag'
            : 'notify'
          : settings.severityActions[f.severity];
    // A blessed resource is never acted on automatically; it is reported instead.
    const safe: Action = isBlessed(r) && ['auto_tag', 'enforce_policy'].includes(action) ? 'notify' : action;
    out.push({
      key: `finding:${r.id}:${f.package}:${f.rule}:${sha1(stable(f.msg)).slice(0, 12)}`,
      // Counts are part of what an inventory finding says: one more missing is news.
      fingerprint: sha1(
        `${stable(f.msg)}\n${stable(f.suggestion)}${f.expectation ? `\n${f.expectation.expected}/${f.expectation.found}` : ''}`,
      ),
      decision: {
        action: safe,
        severity: f.severity,
        reason: f.msg,
        policy: { package: f.package, rule: f.rule },
        ...(c ? { change: { id: c.id, type: c.type } } : {}),
        ...base,
        metadata: meta({ suggestion: f.suggestion, ...(f.expectation ? { expectation: f.expectation } : {}) }),
      },
    });
  }
  return out;
}

/**
 * The decision id: the same proposal decided at the same moment always gets the same id; another
 * store's (whose resources may have the same ids) never does.
 */
export function decisionId(p: Proposal, decidedAt: number): string {
  return sha1(`${p.decision.store}\n${p.key}\n${p.fingerprint}\n${decidedAt}`);
}
