import type { ChangeType } from './change.js';
import type { Tags } from './resource.js';
import type { ResourceType } from './resource-type.js';

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ACTIONS = ['notify', 'alert', 'protect', 'enforce_policy', 'auto_tag', 'audit'] as const;
export type Action = (typeof ACTIONS)[number];

/** A policy rule that matched: `deny` → critical, `warn` → warning, `info` → info. */
export interface Violation {
  policy: { package: string; rule: 'deny' | 'warn' | 'info' };
  severity: Severity;
  resource_id: string;
  msg: string;
  suggestion: string;
  revision: number;
}

/** Published on `elava.decisions.<action>.<severity>`; JetStream message id = `id`. */
export interface Decision {
  id: string;
  /** The store whose revisions the decision is about; the executor keys its own state by it. */
  store: string;
  action: Action;
  severity: Severity;
  resource: { id: string; type: ResourceType; account: string; region: string; tags: Tags };
  reason: string;
  policy?: { package: string; rule: string };
  change?: { id: string; type: ChangeType };
  revision: number;
  time: string;
  metadata: Record<string, unknown>;
}
