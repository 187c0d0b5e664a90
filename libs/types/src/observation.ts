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
 * A resource as a scanner ships it: canonical JSON, its tags, and the base64 sha1 of the JSON,
 * computed where the work scales out (the scanners), not in the single writer.
 */
export interface EncodedObservation {
  id: string;
  json: string;
  tags: Record<string, string>;
  hash: string;
}

/** A scan job on the `elava-scan` queue. Scheduled jobs carry no scan id: the job id serves. No ':' in ids. */
export interface ScanJob {
  scan_id?: string;
  scope: Scope;
  requested_by: 'scheduler' | 'cli' | 'api';
  tier?: string;
}

/**
 * A page of observations from a scanner to the recorder. `page_id` (`<scan>@<attempt>#<page>`) is
 * stable for a given attempt of a scan, so a redelivered page is a no-op downstream, and a
 * re-run after a dead worker is recorded afresh without doubling anything.
 */
export interface ObservationPage {
  scan_id: string;
  page_id: string;
  page: number;
  attempt: number;
  scope: Scope;
  observed_at: string;
  resources: EncodedObservation[];
  /** Present on the last page only. */
  final?: ScanOutcome;
}

export type ScanOutcome =
  | {
      status: 'complete';
      count: number;
      pages: number;
      /** Every id the scan saw, so the recorder can tombstone the rest of an unfiltered scope. */
      seen: string[];
    }
  | { status: 'failed'; error: string; code?: string };
