import type { AuditEntry, ChangeSummary, Decision, EstateStats, FieldDiff, StoreStatus } from '@elava/types';

/** The shapes the API answers with (docs/openapi.yaml). */

export type { ChangeSummary, Decision, FieldDiff, StoreStatus };

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type Stats = EstateStats;

export interface ServicesHealth {
  healthy: boolean;
  down: string[];
  services: { service: string; instance: string; ready: boolean; checks: Record<string, string>; seen_at: string }[];
}

export interface Version {
  id: string;
  revision: { main: number; sub: number };
  created: number;
  version: number;
  tombstone: boolean;
  time: string;
  resource?: {
    name?: string;
    status?: string;
    tags?: Record<string, string>;
    [k: string]: unknown;
  };
}

export type HistoryEntry = Version & { diff: FieldDiff[] };

export interface Compare {
  id: string;
  from: { revision: number; time: string | null; version: Version | null };
  to: { revision: number; time: string | null; version: Version | null };
  diff: FieldDiff[];
}

export interface Why {
  decision: Decision;
  decided: { seq: number; time: string };
  observation?: { revision: number; time?: string };
  change?: ChangeSummary & { recorded: { seq: number; time: string } };
  outcomes: { seq: number; type: AuditEntry['type']; time: string; data: Record<string, unknown> }[];
}

export interface DiffItem {
  id: string;
  type: string;
  account: string;
  region: string;
  kind: 'added' | 'removed' | 'modified';
  diff: FieldDiff[];
  before?: unknown;
  after?: unknown;
}

export interface EstateDiff extends Page<DiffItem> {
  from_revision: number;
  to_revision: number;
}
