import type { AlertOn } from '@elava/config';
import type { Logger } from '@elava/log';
import {
  type Actor,
  type AnyResource,
  type AuditEntryDraft,
  attributedKey,
  type Change,
  type ChangeSummary,
  type ChangeType,
  isBlessed,
  isManaged,
  type PolicyRequest,
  type PublishedChange,
  packChanges,
  type RevisionDeltas,
  type Severity,
  storeKeys,
  type Tags,
} from '@elava/types';
import { classify } from './classify.js';
import { changeJson, lazyCurrent, withoutDocuments } from './wire.js';

export type { PublishedChange, RevisionDeltas } from '@elava/types';

type FinerKey = 'disappeared_blessed' | 'disappeared_managed' | 'new_untagged' | 'policy_violation';

export interface DetectorSettings {
  track: readonly ChangeType[];
  /**
   * change_detection.alert_on as the loader fills it in. The finer keys may be left out (tests
   * that set the change types only): they then fall back as the loader's do.
   */
  alertOn: Omit<AlertOn, FinerKey> & Partial<Pick<AlertOn, FinerKey>>;
  /** A non-blessed disappearance is announced only if still gone after this long. */
  graceMs: number;
  /**
   * Resources of one revision attributed through CloudTrail at most (each lookup waits for a
   * shared 2-calls-a-second budget, and the detector hands revisions on in order): the rest of a
   * large sweep's changes go out without an actor rather than late.
   */
  lookupsPerRevision?: number;
  /** How far back a lookup reaches for a resource that appeared (it has no previous version). */
  lookupWindowMs?: number;
}

/**
 * Where changes go, a revision's worth at a time (a first scan makes thousands at once); each
 * must be idempotent by change id, as a retried revision comes again.
 */
export interface DetectorOutputs {
  /** `texts`, when given, are the changes as JSON, in the same order (see wire.ts). */
  publish(changes: PublishedChange[], texts?: string[]): Promise<void>;
  audit(draft: AuditEntryDraft, key: string): Promise<void>;
  /**
   * Published changes go on to policy evaluation, a revision's worth per request; a sweep's
   * baseline appearances do not (the scope is evaluated whole when that scan completes).
   */
  evaluate(request: PolicyRequest): Promise<void>;
  /** Holds a disappearance for the grace period: one timer per disappearance (per change id). */
  holdDisappearance(change: PublishedChange, delayMs: number): Promise<void>;
  /**
   * Whether the store still shows the resource gone by this very disappearance (its newest version
   * is the tombstone the change was made from): asked when the grace period ends.
   */
  stillGone(change: PublishedChange): Promise<boolean>;
  /**
   * Who made a change no event named (`attribution.cloudtrail_lookup`): CloudTrail asked about the
   * resource over the window since its previous version. Absent: changes a sweep saw have no actor.
   */
  attribute?(resourceId: string, window: { start: Date; end: Date }): Promise<Actor | undefined>;
}

/** The trail keeps each change without its two documents (the store has them at both revisions). */
const summary = (c: PublishedChange): ChangeSummary => withoutDocuments(c);

/** A classified change as published, but its documents: one copy, in the order the fields had. */
function headOf(c: Change, severity: PublishedChange['severity'], baseline: boolean, actor?: Actor): ChangeSummary {
  const own = withoutDocuments(c) as ChangeSummary;
  own.severity = severity;
  if (baseline) own.baseline = true;
  if (actor) own.actor = actor;
  return own;
}

/** No tags at all, AWS's own (`aws:…`, which nobody chose) aside. */
const untagged = (tags: Tags | undefined): boolean => !Object.keys(tags ?? {}).some((k) => !k.startsWith('aws:'));

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

  /**
   * The `change_detection.alert_on` label: the finer keys first (blessed, managed, untagged).
   * `tags` are the current version's (an appearance's document may not be parsed).
   */
  private severity(change: Change, tags: Tags | undefined): Severity | 'none' {
    const a = this.settings.alertOn;
    if (change.type === 'disappeared' && change.previous) {
      if (isBlessed(change.previous)) return a.disappeared_blessed ?? 'critical';
      if (isManaged(change.previous)) return a.disappeared_managed ?? a.disappeared;
    }
    if (change.type === 'appeared' && untagged(tags)) return a.new_untagged ?? a.appeared;
    const s = a[change.type];
    if (change.type === 'tag_drift' && this.settings.alertOn.tag_keys) {
      const keys = new Set(this.settings.alertOn.tag_keys);
      if (!change.diff.some((d) => keys.has(d.path.slice('tags.'.length)))) return 'none';
    }
    return s;
  }

  async handle(rd: RevisionDeltas): Promise<PublishedChange[]> {
    const published: PublishedChange[] = [];
    const texts: string[] = [];
    // Each change without its documents: the head of its text and its line in the trail.
    const summaries: ChangeSummary[] = [];
    const held: string[] = [];
    let lookups = 0;
    for (const delta of rd.deltas) {
      const previous = parse(delta.previous_json);
      // An appearance the delta gives the tags of needs its document only when someone reads it.
      const lazy = delta.current_tags !== undefined && delta.current_json !== undefined && delta.kind !== 'modified';
      const current = lazy ? null : parse(delta.current_json);
      const tags = lazy ? delta.current_tags : current?.tags;
      const changes = classify(rd.store, delta, previous, current).filter((c) => this.settings.track.includes(c.type));
      let actor = rd.actors?.[delta.id];
      // A change no event named: CloudTrail says who, when asked to (not for the estate being found).
      if (!actor && changes.length > 0 && this.out.attribute && !rd.baseline) {
        if (lookups++ < (this.settings.lookupsPerRevision ?? 20)) actor = await this.lookup(rd, delta);
      }
      for (const c of changes) {
        // Elava's own executor made it: recorded and attributed, never reported as drift.
        const severity = actor?.elava ? 'none' : this.severity(c, tags);
        // The change without its documents first: its line in the trail and the head of its text.
        const own = headOf(c, severity, rd.baseline === true && c.type === 'appeared', actor);
        const change: PublishedChange = lazy
          ? lazyCurrent(own, c.previous, delta.current_json as string)
          : { ...own, previous: c.previous, current: c.current };
        const blessed = previous !== null && isBlessed(previous);
        if (change.type === 'disappeared' && !blessed && this.settings.graceMs > 0) {
          await this.out.holdDisappearance(change, this.settings.graceMs);
          held.push(change.id);
          continue;
        }
        published.push(change);
        summaries.push(own);
        texts.push(changeJson(change, delta, own));
      }
    }
    // A sweep's first scan of a scope is judged whole when it completes (the recorder's scope
    // request, every live resource): asking for its appearances here too evaluated the estate twice
    // and sent every document through Redis once more. A filtered scope's completion asks for
    // nothing, so its appearances are judged here.
    const judged = rd.baseline && !rd.scope.filter ? published.filter((c) => c.type !== 'appeared') : published;
    await this.emit(published, rd.store, storeKeys.revision(rd.store, rd.revision), rd.revision, texts, judged);
    if (published.length > 0 || held.length > 0) {
      await this.out.audit(
        {
          type: 'changes_detected',
          resource_id: '',
          revision: rd.revision,
          data: {
            scan_id: rd.scan_id,
            ...packChanges(summaries),
            held: held.length,
          },
        },
        storeKeys.changesDetected(rd.store, rd.revision),
      );
    }
    this.log.debug({ revision: rd.revision, published: published.length, held: held.length }, 'revision examined');
    return published;
  }

  /** CloudTrail's answer for one version, kept in the trail (`attributed`) so `history` shows it. */
  private async lookup(rd: RevisionDeltas, delta: RevisionDeltas['deltas'][number]): Promise<Actor | undefined> {
    const end = new Date(delta.current.time);
    // The previous version's time is when it was recorded, after it was read, and CloudTrail keeps
    // whole seconds: a minute's slack, so a call made just after that read is not missed (the newest
    // write in the window is taken, so an older one in the slack wins only when nothing later is found).
    const start = delta.previous
      ? new Date(Date.parse(delta.previous.time) - 60_000)
      : new Date(end.getTime() - (this.settings.lookupWindowMs ?? 86_400_000));
    let actor: Actor | undefined;
    try {
      actor = await this.out.attribute?.(delta.id, { start, end });
    } catch (err) {
      this.log.warn({ resource: delta.id, err: (err as Error).message }, 'CloudTrail lookup failed: no actor');
      return undefined;
    }
    if (!actor) return undefined;
    const key = attributedKey(rd.store, rd.revision, delta.id);
    await this.out.audit(
      { type: 'attributed', resource_id: delta.id, revision: rd.revision, data: { actor, scan_id: rd.scan_id } },
      key,
    );
    return actor;
  }

  /**
   * The grace period passed: announced only if the store still shows the resource gone by this
   * disappearance. One that came back (or came back and went again: that is its own timer) is
   * withdrawn, and the trail says so.
   */
  async graceOver(change: PublishedChange): Promise<void> {
    if (!(await this.out.stillGone(change))) {
      await this.out.audit(
        {
          type: 'changes_detected',
          resource_id: change.resource_id,
          revision: change.revision,
          data: {
            changes: [],
            withdrawn: [{ id: change.id, resource_id: change.resource_id, reason: 'back within the grace period' }],
          },
        },
        `withdrawn-${change.id}`,
      );
      this.log.info({ resource: change.resource_id, change: change.id }, 'disappearance withdrawn: it came back');
      return;
    }
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

  private async emit(
    changes: PublishedChange[],
    store: string,
    key: string,
    revision: number,
    texts?: string[],
    judged: PublishedChange[] = changes,
  ): Promise<void> {
    if (changes.length === 0) return;
    await this.out.publish(changes, texts);
    if (judged.length > 0) await this.out.evaluate({ store, key, revision, changes: judged });
  }
}
