import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEntry } from '@elava/types';
import { type AuditVerification, verifyChain } from './audit-chain.js';
import { removeCheckpoint } from './checkpoint.js';
import { CorruptionError } from './errors.js';
import { RecordType } from './format/record.js';
import { fsyncDir, listSegments, segmentName } from './format/segment.js';
import { decodeAudit, decodeRevision, revisionAudit } from './record-codec.js';
import { replay, type TornTail } from './replay.js';

export interface CheckReport {
  ok: boolean;
  segments: number;
  records: number;
  lastRevision: number;
  torn: TornTail | null;
  corruption: { segment: string; offset: number; reason: string } | null;
  audit: AuditVerification;
}

/** Reads the whole log without changing anything and says what is wrong, if anything. */
export function check(dir: string): CheckReport {
  let lastRevision = 0;
  const audit: AuditEntry[] = [];
  let corruption: CheckReport['corruption'] = null;
  let torn: TornTail | null = null;
  let records = 0;
  try {
    const r = replay(dir, { truncateTornTail: false }, (rec) => {
      if (rec.type === RecordType.Revision) {
        const { meta, docStart } = decodeRevision(rec.payload);
        lastRevision = meta.m;
        if (meta.a) audit.push(...revisionAudit(rec.payload, meta, docStart).entries);
      } else if (rec.type === RecordType.Audit) audit.push(...decodeAudit(rec.payload).entries);
    });
    torn = r.torn;
    records = r.records;
  } catch (err) {
    if (!(err instanceof CorruptionError)) throw err;
    corruption = { segment: err.segment, offset: err.offset, reason: err.reason };
  }
  const verification = verifyChain(audit);
  return {
    ok: corruption === null && torn === null && verification.ok,
    segments: listSegments(dir).length,
    records,
    lastRevision,
    torn,
    corruption,
    audit: verification,
  };
}

export interface RepairReport {
  before: CheckReport;
  /** What was cut: the damaged segment's tail, and later segments moved aside (never deleted). */
  truncated: { segment: string; offset: number } | null;
  quarantined: string[];
  quarantineDir: string | null;
}

/**
 * Keeps everything before the first damage: truncates the damaged segment there and moves every
 * later segment into a quarantine folder for a person to look at. The index is rebuilt at the
 * next open.
 */
export function repair(dir: string): RepairReport {
  const before = check(dir);
  const damage =
    before.corruption ?? (before.torn ? { segment: before.torn.segment, offset: before.torn.offset } : null);
  if (!damage) return { before, truncated: null, quarantined: [], quarantineDir: null };
  const ids = listSegments(dir);
  const damagedId = Number(/seg-(\d+)/.exec(damage.segment)?.[1]);
  const exists = ids.includes(damagedId);
  const quarantineDir = join(dir, `quarantine-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const later = ids.filter((id) => (exists ? id > damagedId : id >= damagedId));
  const quarantined: string[] = [];
  if (later.length > 0) {
    mkdirSync(quarantineDir, { recursive: true });
    for (const id of later) {
      renameSync(join(dir, segmentName(id)), join(quarantineDir, segmentName(id)));
      quarantined.push(segmentName(id));
    }
  }
  let truncated: RepairReport['truncated'] = null;
  if (exists) {
    const fd = openSync(join(dir, segmentName(damagedId)), 'r+');
    try {
      ftruncateSync(fd, damage.offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    truncated = { segment: segmentName(damagedId), offset: damage.offset };
  }
  removeCheckpoint(dir);
  fsyncDir(dir);
  return { before, truncated, quarantined, quarantineDir: quarantined.length > 0 ? quarantineDir : null };
}
