import type { Actor } from './actor.js';
import type { Severity } from './decision.js';
import type { AnyResource } from './resource.js';
import type { ResourceType } from './resource-type.js';

export const CHANGE_TYPES = [
  'appeared',
  'disappeared',
  'modified',
  'tag_drift',
  'status_changed',
  'cost_increase',
] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

/** One field that differs; lists are matched by natural key, so `path` names the element. */
export interface FieldDiff {
  path: string;
  before?: unknown;
  after?: unknown;
}

/** Published on `elava.changes.<type>`; JetStream message id = `id`. */
export interface Change {
  id: string;
  type: ChangeType;
  /** The identity of the store that recorded both versions (its ids never meet another store's). */
  store: string;
  resource_id: string;
  revision: number;
  previous_revision: number | null;
  time: string;
  diff: FieldDiff[];
  previous: AnyResource | null;
  current: AnyResource | null;
  /** Estimated monthly cost delta in USD, on `cost_increase`. */
  monthly_cost_delta?: number;
  /** An appearance in the first complete scan of its scope: the estate found, not changed. */
  baseline?: boolean;
  /** Who made it, when an event named the resource or CloudTrail was asked (attribution). */
  actor?: Actor;
}

/**
 * A change as the audit trail keeps it (`changes_detected` entries): everything but the two
 * documents, which the store holds at `previous_revision` and `revision`.
 */
export type ChangeSummary = Omit<PublishedChange, 'previous' | 'current'>;

/** A change as published: with the severity `change_detection.alert_on` gives its kind. */
export type PublishedChange = Change & { severity: Severity | 'none' };

/**
 * What the detector hands the policy service: the changes of one revision (or one disappearance
 * whose grace period ran out), evaluated together. `key` is the job id, unique per hand-over.
 */
export interface ChangesRequest {
  kind?: 'changes';
  /** The store the changes were recorded in: decision memory and ids are kept per store. */
  store: string;
  key: string;
  revision: number;
  changes: PublishedChange[];
}

/**
 * What the recorder hands the policy service when a scan of a scope completed cleanly: every
 * resource of the scope at that revision is evaluated, so a finding that persists is re-announced
 * after the re-notify interval even if nothing about the resource changed.
 */
export interface ScopeRequest {
  kind: 'scope';
  store: string;
  key: string;
  revision: number;
  scope: { account: string; region: string; type: ResourceType };
}

export type PolicyRequest = ChangesRequest | ScopeRequest;
