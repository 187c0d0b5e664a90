import type { Actor } from './actor.js';
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
  /**
   * Where `json` lies in the page's stash value (`ObservationPage.documents`), when it was taken
   * from there: the detector can read a revision's current documents from the same value.
   */
  json_at?: [number, number];
}

/** A scan job on the `elava-scan` queue. Scheduled jobs carry no scan id: the job id serves. No ':' in ids. */
export interface ScanJob {
  scan_id?: string;
  scope: Scope;
  requested_by: 'scheduler' | 'cli' | 'api' | 'events';
  tier?: string;
  /**
   * A targeted re-read: only these native ids, recorded as a partial observation that never
   * tombstones anything else of the scope (the sweep stays the authority for completeness).
   */
  ids?: string[];
  /** Who made the call that named each id (native id → actor), carried onto its change. */
  actors?: Record<string, Actor>;
  /**
   * Ids an event says were deleted: tombstoned only when the direct read answers not-found; one
   * still found is read again later (AWS is eventually consistent), then left to the sweep.
   */
  gone?: string[];
  /** How many reads of `gone` came before this one (0 on the first). */
  recheck?: number;
  /** The events (EventBridge ids) that asked for this re-read, for the trail. */
  events?: string[];
}

/** A targeted job: the re-read of named ids that an event asked for. */
export function isTargeted(job: ScanJob): job is ScanJob & { ids: string[] } {
  return Array.isArray(job.ids);
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
  /**
   * A targeted re-read's one page (it has no `final`): upsert `resources`, never tombstone the
   * rest of the scope; `gone` (canonical ids) are those a direct read confirmed not found.
   */
  partial?: { ids: string[]; gone: string[] };
  /** Who made the change behind each resource of the page (canonical id → actor). */
  actors?: Record<string, Actor>;
  /** While queued: the Redis key of the page's documents (see QueuedPage). */
  documents?: string;
}

/** A resource of a queued page whose document waits in Redis: its [byte offset, byte length] there. */
export type StashedObservation = Omit<EncodedObservation, 'json' | 'json_at'> & { json_at: [number, number] };

/** A page as it waits on the recorder's queue: its documents beside it in Redis (`documents`), or inline. */
export type QueuedPage = Omit<ObservationPage, 'resources'> & {
  resources: (EncodedObservation | StashedObservation)[];
};

export type ScanOutcome =
  | {
      status: 'complete';
      count: number;
      pages: number;
      /** Every id the scan saw, so the recorder can tombstone the rest of an unfiltered scope. */
      seen: string[];
      /** When the scan began reading (RFC 3339): a targeted re-read after this outranks it. */
      started_at?: string;
    }
  | { status: 'failed'; error: string; code?: string };
