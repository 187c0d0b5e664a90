import type { AnyResource } from './resource.js';
import type { Scope } from './scope.js';

/** One resource as one scan saw it at one moment. */
export interface Observation {
  resource: AnyResource;
  /** RFC 3339 time the API answered. */
  observed_at: string;
  scan_id: string;
}

/**
 * A page of observations from a scanner to the recorder. `page_id` is stable across retries
 * (scan id + page number), so a retried page is a no-op downstream.
 */
export interface ObservationPage {
  scan_id: string;
  page_id: string;
  page: number;
  scope: Scope;
  observed_at: string;
  resources: AnyResource[];
  /** Present on the last page only. */
  final?: ScanOutcome;
}

export type ScanOutcome =
  | { status: 'complete'; count: number; pages: number }
  | { status: 'failed'; error: string; code?: string };
