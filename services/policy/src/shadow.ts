import type { StreamDefinition } from '@elava/bus';
import type { Decision } from '@elava/types';
import type { Proposal } from './decide.js';
import type { Finding, PolicyFailure } from './policy-set.js';

/**
 * Shadow mode (`policies.shadow`): a package on the list is evaluated with the others and its
 * decisions are made and recorded, but published only on `elava.shadow.decisions.<action>.<severity>`,
 * which neither the notifier nor the executor reads (they consume `elava.decisions.>`). Taking it
 * off the list puts it in service: its decisions are remembered under keys of their own, so the
 * first real decision is not held back as "already decided" by its shadow.
 */

/** Where shadow decisions are kept: a stream of their own, never ELAVA_DECISIONS. */
export const SHADOW_STREAM: StreamDefinition = {
  name: 'ELAVA_SHADOW_DECISIONS',
  subjects: ['elava.shadow.decisions.>'],
};

/** How many shadow decisions a `policy_evaluated` entry names (the counts are always whole). */
export const SHADOW_SAMPLE = 100;

/** Findings (or failures) of packages in service, and of packages in the shadow. */
export function splitByShadow<T extends Finding | PolicyFailure>(
  items: readonly T[],
  shadow: ReadonlySet<string>,
): { live: T[]; held: T[] } {
  if (shadow.size === 0) return { live: items as T[], held: [] };
  const live: T[] = [];
  const held: T[] = [];
  for (const i of items) (shadow.has(i.package) ? held : live).push(i);
  return { live, held };
}

/**
 * The shadow's version of a finding proposal: remembered under `shadow:<key>` (a package put in
 * service decides afresh) and marked in its metadata. Change proposals are never the shadow's.
 */
export function shadowProposal(p: Proposal, shadow: ReadonlySet<string>): Proposal | null {
  if (!p.key.startsWith('finding:') || !p.decision.policy || !shadow.has(p.decision.policy.package)) return null;
  return {
    key: `shadow:${p.key}`,
    fingerprint: p.fingerprint,
    decision: { ...p.decision, metadata: { ...p.decision.metadata, shadow: true } },
  };
}

/** What a shadow `policy_evaluated` entry says of one decision. */
export function shadowSummary(d: Decision) {
  return {
    id: d.id,
    resource_id: d.resource.id,
    package: d.policy?.package,
    rule: d.policy?.rule,
    action: d.action,
    severity: d.severity,
    reason: d.reason,
  };
}

/** Shadow packages the loaded library does not have (yet): named in a warning, never refused. */
export function absentShadow(shadow: Iterable<string>, packages: readonly string[]): string[] {
  const have = new Set(packages.map((p) => (p.startsWith('elava.') ? p : `elava.${p}`)));
  return [...shadow].filter((s) => !have.has(s));
}
