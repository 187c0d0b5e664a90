import { createHash } from 'node:crypto';
import {
  type Action,
  type AnyResource,
  type Decision,
  isBlessed,
  type PublishedChange,
  type Severity,
} from '@elava/types';
import { proposeForChange } from './decide-change.js';
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
  /** change_detection.alert_on.policy_violation (severity_based when absent). */
  policyViolation?: 'severity_based' | Severity | 'none';
  /** actions.protection.auto_protect_prod: a production resource under a change gets a `protect` decision. */
  protectProd?: { key: string; values: string[] };
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
  const out: Proposal[] = c ? proposeForChange(r, c, settings, base, meta) : [];
  // A policy that says what the blessed-gone rule already said joins that one decision.
  const gone = out.find((p) => p.decision.change?.type === 'disappeared' && p.decision.action === 'alert');
  const byPackage = new Map<string, Finding[]>();
  for (const f of applyPolicyViolation(s.findings, settings.policyViolation)) {
    if (gone && !gone.decision.policy && f.severity === gone.decision.severity) {
      gone.decision.policy = { package: f.package, rule: f.rule };
      gone.decision.metadata = { ...gone.decision.metadata, policy_msg: f.msg };
      continue;
    }
    byPackage.set(f.package, [...(byPackage.get(f.package) ?? []), f]);
  }
  // One decision per resource and package, listing every finding of the package: an untagged
  // resource is one decision that names each missing tag, not one per tag.
  for (const [pkg, found] of byPackage) {
    const fs = [...found].sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.msg.localeCompare(b.msg));
    const top = fs[0] as Finding;
    const tagging = pkg === 'elava.tags';
    // The desired inventory only ever reports: nothing is created or deleted to match it.
    // Tags being restored are not filled in with defaults as well: the restore is the exact answer.
    const restoring = out.some((p) => p.decision.action === 'enforce_policy');
    const action: Action =
      pkg === 'elava.inventory'
        ? 'notify'
        : tagging
          ? settings.autoTag && !restoring
            ? 'auto_tag'
            : 'notify'
          : settings.severityActions[top.severity];
    // A blessed resource is never acted on automatically; it is reported instead.
    const safe: Action = isBlessed(r) && ['auto_tag', 'enforce_policy'].includes(action) ? 'notify' : action;
    out.push({
      key: `finding:${r.id}:${pkg}`,
      // What the package says, as a set of findings (see FINGERPRINT_SEPARATOR): a finding more is
      // news, one fewer is not; a quantity that moved is not either. Counts are part of what an
      // inventory finding says: one more missing is news.
      fingerprint: [
        ...new Set(
          fs.map((f) =>
            sha1(
              `${f.rule}\n${stable(f.msg)}\n${stable(f.suggestion)}${f.expectation ? `\n${f.expectation.expected}/${f.expectation.found}` : ''}`,
            ).slice(0, 16),
          ),
        ),
      ]
        .sort()
        .join(FINGERPRINT_SEPARATOR),
      decision: {
        action: safe,
        severity: top.severity,
        reason: fs.length === 1 ? top.msg : `${fs.length} findings: ${fs.map((f) => f.msg).join('; ')}`,
        policy: { package: pkg, rule: top.rule },
        ...(c ? { change: { id: c.id, type: c.type } } : {}),
        ...base,
        metadata: meta({
          suggestion: [...new Set(fs.map((f) => f.suggestion).filter(Boolean))].join(' '),
          ...(fs.length > 1
            ? { findings: fs.map(({ rule, severity, msg, suggestion }) => ({ rule, severity, msg, suggestion })) }
            : {}),
          ...(top.expectation ? { expectation: top.expectation } : {}),
        }),
      },
    });
  }
  return out;
}

const RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** A fingerprint is a set of what was said, its members joined by this. */
export const FINGERPRINT_SEPARATOR = ',';

/** Whether `fingerprint` says nothing that `held` did not say already (a finding fewer is no news). */
export function saysNothingNew(fingerprint: string, held: string): boolean {
  const said = new Set(held.split(FINGERPRINT_SEPARATOR));
  return fingerprint.split(FINGERPRINT_SEPARATOR).every((f) => said.has(f));
}

/** change_detection.alert_on.policy_violation: as the policy said, one severity for all, or none. */
function applyPolicyViolation(findings: Finding[], rule: DecisionSettings['policyViolation']): Finding[] {
  if (!rule || rule === 'severity_based') return findings;
  if (rule === 'none') return [];
  return findings.map((f) => ({ ...f, severity: rule }));
}

/**
 * The decision id: the same proposal decided at the same moment always gets the same id; another
 * store's (whose resources may have the same ids) never does.
 */
export function decisionId(p: Proposal, decidedAt: number): string {
  return sha1(`${p.decision.store}\n${p.key}\n${p.fingerprint}\n${decidedAt}`);
}
