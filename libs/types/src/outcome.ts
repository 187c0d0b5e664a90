import type { AuditEntryType } from './audit.js';

/** A trail entry about a decision's fate (`elava why`'s outcomes): what the notifier or the executor did. */
export interface DecisionOutcome {
  type: AuditEntryType;
  data: Record<string, unknown>;
}

/**
 * What the notifier or the executor did with a decision, in words: `elava why` and the web UI's
 * why-chain say it alike.
 */
export function outcomeText(o: DecisionOutcome): string {
  const d = o.data;
  if (d.via === 'slack')
    return `${o.type === 'executed' ? 'posted' : o.type} to Slack${d.channel ? ` ${String(d.channel)}` : ''}${d.digest ? ` (digest of ${String(d.digest)})` : ''}`;
  const calls = Array.isArray(d.calls)
    ? (d.calls as { operation: string; request_id?: string }[])
        .map((c) => `${c.operation}${c.request_id ? ` (request ${c.request_id})` : ''}`)
        .join(', ')
    : '';
  switch (o.type) {
    case 'executed':
      return `executed${calls ? `: ${calls}` : ` (${String(d.note ?? 'nothing to change')})`}`;
    case 'executing':
      return `executing under the claim of ${(d.claim as { owner?: string } | undefined)?.owner ?? '?'}`;
    case 'failed':
      return `failed: ${String(d.error)}`;
    case 'skipped':
      return `skipped: ${String(d.reason)}${calls ? ` (would call ${calls})` : ''}`;
    case 'awaiting_approval':
      return `waiting for approval until ${String(d.expires_at)} (${String(d.approve_with)})`;
    case 'approved':
      return `approved by ${String(d.by)}`;
    default:
      return o.type;
  }
}
