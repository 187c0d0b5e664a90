import {
  ACTIONS,
  type AuditEntry,
  CHANGE_TYPES,
  type ChangeSummary,
  type Decision,
  SEVERITIES,
  unpackChanges,
} from '@elava/types';

/**
 * Items carried by trail entries. The trail is written by our own services, but an entry from an
 * older version may lack a field: such items are skipped rather than breaking a listing.
 */

export function changeItems(e: AuditEntry): ChangeSummary[] {
  return (unpackChanges(e.data) as ChangeSummary[]).filter(
    (c): c is ChangeSummary =>
      c !== null &&
      typeof c === 'object' &&
      typeof c.id === 'string' &&
      (CHANGE_TYPES as readonly string[]).includes(c.type) &&
      typeof c.resource_id === 'string' &&
      Number.isInteger(c.revision) &&
      typeof c.time === 'string' &&
      Array.isArray(c.diff),
  );
}

export function decisionItem(e: AuditEntry): Decision | null {
  const d = e.data.decision as Decision | undefined;
  const ok =
    d !== null &&
    typeof d === 'object' &&
    typeof d.id === 'string' &&
    (ACTIONS as readonly string[]).includes(d.action) &&
    (SEVERITIES as readonly string[]).includes(d.severity) &&
    typeof d.resource?.id === 'string' &&
    Number.isInteger(d.revision);
  return ok ? d : null;
}
