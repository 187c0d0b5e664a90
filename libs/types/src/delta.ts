import type { Actor } from './actor.js';
import type { Tags } from './resource.js';
import type { Revision } from './revision.js';
import type { Scope } from './scope.js';

/** One version's metadata, as the store keeps it beside the document. */
export interface VersionMeta {
  revision: Revision;
  /** Main revision that began this generation. */
  created: number;
  version: number;
  tombstone: boolean;
  content_hash: string;
  time: string;
}

export type DeltaKind = 'added' | 'modified' | 'reappeared' | 'tombstoned';

/** What one revision did to one resource, for the detector. */
export interface Delta {
  id: string;
  kind: DeltaKind;
  current: VersionMeta;
  previous: VersionMeta | null;
  current_json?: string;
  previous_json?: string;
  /**
   * An appearance's tags, when the write still had them at hand (not on a retried page's deltas,
   * read back from disk): the detector then need not parse `current_json` to judge it.
   */
  current_tags?: Tags;
  /**
   * Where `current_json` / `previous_json` are in the revision's document stash
   * (`RevisionDeltas.documents`): [byte offset, byte length]. On the queue instead of the text.
   */
  current_at?: [number, number];
  previous_at?: [number, number];
}

/**
 * What the recorder hands the detector for one revision: the deltas with both documents as
 * recorded. `store` is the recording store's identity (see store-keys.ts).
 */
export interface RevisionDeltas {
  store: string;
  revision: number;
  time: string;
  scope: Scope;
  scan_id: string;
  deltas: Delta[];
  /** Recorded before the scope had a complete scan: its appearances are the estate being found. */
  baseline?: boolean;
  /** Who made the versions of this revision, where an event said (resource id → actor). */
  actors?: Record<string, Actor>;
  /**
   * The Redis key of the revision's documents, one binary value the deltas point into
   * (`current_at`, `previous_at`); absent when the deltas carry the text themselves.
   */
  documents?: string;
  /**
   * How many deltas the stash value holds (see delta-wire.ts in @elava/bus): then `deltas` is empty
   * on the queue and comes back whole from the stash, metadata and documents both.
   */
  stashed?: number;
  /**
   * The Redis key of the scanner's page value this revision was recorded from, when its current
   * documents are read there rather than copied into `documents` (a first scan's page: most of
   * the page changed). The detector marks both done together.
   */
  page_documents?: string;
}
