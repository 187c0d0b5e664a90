import type { Logger } from '@elava/log';
import {
  type AnyResource,
  type AuditEntryDraft,
  type Change,
  type ChangeSummary,
  type ChangeType,
  isBlessed,
  type PolicyRequest,
  type PublishedChange,
  type RevisionDeltas,
  type Severity,
  storeKeys,
} from '@elava/types';
import { classify } from './classify.js';

export type { PublishedChange, RevisionDeltas } from '@elava/types';

export interface DetectorSettings {
  track: readonly ChangeType[];
  alertOn: Record<ChangeType, Severity | 'none'> & { tag_keys?: string[] };
  /** A non-blessed disappearance is announced only if still gone after this long. */
  graceMs: number;
}

/**
 * Where changes go, a revision's worth at a time (a first scan makes thousands at once); each
 * must be idempotent by change id, as a retried revision comes again.
 */
export interface DetectorOutputs {
  publish(changes: PublishedChange[]): Promise<void>;
  audit(draft: AuditEntryDraft, key: string): Promise<void>;
  /** Every published change also goes to policy evaluation, a revision's worth per request. */
  evaluate(request: PolicyRequest): Promise<void>;
  /** Holds a disappearance for the grace period; a later appearance of the id withdraws it. */
  holdDisappearance(change: PublishedChange, delayMs: number): Promise<void>;
  withdrawDisappearances(store: string, resourceIds: string[]): Promise<void>;
}

/** The trail keeps each change without its two documents (the store has them at both revisions). */
const summary = ({ previous: _p, current: _c, ...rest }: PublishedChange): ChangeSummary => rest;

const parse = (json: string | undefined): AnyResource | null => (json ? (JSON.parse(json) as AnyResource) : null);

/**
 * The detector's logic, apart from queues and NATS. Changes are computed from the recorder's
 * deltas (previous and current documents as recorded), never by re-reading a store that may have
 * moved on.
 */
export class Detector {
  constructor(
    private readonly settings: DetectorSettings,
    private readonly out: DetectorOutputs,
    private readonly log: Logger,
  ) {}

  private severity(change: Change): Severity | 'none' {
    if (change.type === 'disappeared' && change.previous && isBlessed(change.previous)) return 'critical';
    const s = this.settings.alertOn[change.type];
    if (change.type === 'tag_drift' && this.settings.alertOn.tag_keys) {
      const keys = new Set(this.settings.alertOn.tag_keys);
      if (!change.diff.some((d) => keys.has(d.path.slice('tags.'.length)))) return 'none';
    }
    return s;
  }

  async handle(rd: RevisionDeltas): Promise<PublishedChange[]> {
    const published: PublishedChange[] = [];
    const held: string[] = [];
    const back: string[] = [];
    for (const delta of rd.deltas) {
      const previous = parse(delta.previous_json);
      const current = parse(delta.current_json);
      for (const c of classify(rd.store, delta, previous, current)) {
        if (c.type === 'appeared') back.push(c.resource_id);
        if (!this.settings.track.includes(c.type)) continue;
        const change: PublishedChange = { ...c, severity: this.severity(c) };
        const blessed = previous !== null && isBlessed(previous);
        if (change.type === 'disappeared' && !blessed && this.settings.graceMs > 0) {
          await this.out.holdDisappearance(change, this.settings.graceMs);
          held.push(change.id);
          continue;
        }
        published.push(change);
      }
    }
    if (back.length > 0) await this.out.withdrawDisappearances(rd.store, back);
    await this.emit(published, rd.store, storeKeys.revision(rd.store, rd.revision), rd.revision);
    if (published.length > 0 || held.length > 0) {
      await this.out.audit(
        {
          type: 'changes_detected',
          resource_id: '',
          revision: rd.revision,
          data: {
            scan_id: rd.scan_id,
            changes: published.map(summary),
            held: held.length,
          },
        },
        storeKeys.changesDetected(rd.store, rd.revision),
      );
    }
    this.log.debug({ revision: rd.revision, published: published.length, held: held.length }, 'revision examined');
    return published;
  }

  /** The grace period passed and nothing re-appeared: announce the disappearance now. */
  async graceOver(change: PublishedChange): Promise<void> {
    await this.emit([change], change.store, `grace-${change.id}`, change.revision);
    await this.out.audit(
      {
        type: 'changes_detected',
        resource_id: change.resource_id,
        revision: change.revision,
        data: { changes: [summary(change)], after_grace: true },
      },
      `changes-${change.id}`,
    );
  }

  private async emit(changes: PublishedChange[], store: string, key: string, revision: number): Promise<void> {
    if (changes.length === 0) return;
    await this.out.publish(changes);
    await this.out.evaluate({ store, key, revision, changes });
  }
}
