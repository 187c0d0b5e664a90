import type { Action, AuditEntryType, ChangeType, Severity } from '@elava/types';

/** Subject names from the public contract. */
export const subjects = {
  wal: (type: AuditEntryType) => `elava.wal.${type}`,
  change: (type: ChangeType) => `elava.changes.${type}`,
  decision: (action: Action, severity: Severity) => `elava.decisions.${action}.${severity}`,
  shadowDecision: (action: Action, severity: Severity) => `elava.shadow.decisions.${action}.${severity}`,
  approval: (decisionId: string) => `elava.approvals.${decisionId}`,
} as const;

export interface StreamDefinition {
  name: string;
  subjects: string[];
}

/** The three durable streams named in the contract. */
export const STREAMS: readonly StreamDefinition[] = [
  { name: 'ELAVA_WAL', subjects: ['elava.wal.>'] },
  { name: 'ELAVA_CHANGES', subjects: ['elava.changes.>'] },
  { name: 'ELAVA_DECISIONS', subjects: ['elava.decisions.>'] },
];
