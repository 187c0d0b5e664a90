import type { Logger } from '@elava/log';
import { type ScanResult, type Store, scanWrite, scopePrefix } from '@elava/store';
import {
  type Actor,
  type AuditEntry,
  type AuditEntryDraft,
  attributedKey,
  type Delta,
  type ObservationPage,
  type RevisionDeltas,
  type ScopeRequest,
  scopeKey,
  storeKeys,
} from '@elava/types';
import { RecentReads } from './recent-reads.js';
import type { WalPublisher } from './wal-publisher.js';

/**
 * Batch ids of partial observations (an event's re-read) start with this, so the store's "last
 * scan" of a scope can be told apart from a sweep's after a restart.
 */
export const PARTIAL_BATCH = 're-read/';

/** What the recorder knows of a scope's last sweep page: the stale-page checks compare with it. */
interface SweepMark {
  batch: string;
  observed_at?: string;
  complete: boolean;
}

type Page = ObservationPage;
type PartialPage = Page & { partial: NonNullable<Page['partial']> };

export type { RevisionDeltas } from '@elava/types';

export interface DeltaSink {
  /**
   * Must be idempotent per revision: a retried page hands the same revision again. `page` is the
   * page the revision was recorded from (its documents may be handed on rather than copied).
   */
  send(d: RevisionDeltas, page: ObservationPage): Promise<void>;
  /** A scan of a scope completed cleanly: its resources go to policy evaluation (idempotent by key). */
  scopeComplete?(req: ScopeRequest): Promise<void>;
}

/**
 * The recorder's logic, apart from queues: each observation page becomes one revision with its
 * audit entries in the same record; then deltas go to the detector and the trail to NATS. A page
 * retried after a crash is a no-op in the store, and what followed the commit is done again.
 */
export class Recorder {
  /** Per scope key: its last sweep page as recorded here (a re-read is the store's last scan too). */
  private readonly sweeps = new Map<string, SweepMark>();
  readonly recent = new RecentReads();

  constructor(
    private readonly store: Store,
    private readonly wal: WalPublisher,
    private readonly deltas: DeltaSink,
    private readonly log: Logger,
    private readonly stale?: () => void,
  ) {}

  /** The scope's last sweep page: as recorded by this process, else the store's last scan unless a re-read. */
  private lastSweep(key: string, known: ReturnType<Store['scopes']>[number] | undefined): SweepMark | undefined {
    const mine = this.sweeps.get(key);
    if (mine) return mine;
    const last = known?.last_scan;
    return last && !last.batch.startsWith(PARTIAL_BATCH) ? last : undefined;
  }

  async recordPage(page: ObservationPage): Promise<ScanResult | null> {
    if (page.partial) return this.recordPartial(page as PartialPage);
    // A page of another scan observed before the scope's last recorded page belongs to an older
    // scan (a slow or retried one, or a queue left from another run): recording it would roll the
    // estate back. Pages of the same scan are recorded in any order (`seen` keeps tombstones right).
    const key = scopeKey(page.scope);
    const known = this.store.scopes().find((s) => s.key === key);
    const last = this.lastSweep(key, known);
    const lastScan = last?.batch?.split('@')[0];
    if (
      last?.observed_at &&
      lastScan !== page.scan_id &&
      page.observed_at < last.observed_at &&
      !this.store.isApplied(page.page_id)
    ) {
      this.log.warn(
        { page: page.page_id, observed_at: page.observed_at, newer: last.observed_at },
        'stale page dropped',
      );
      this.stale?.();
      return null;
    }
    // Before the scope's first complete scan, what appears is the estate being found, not changing.
    const baseline = !known?.last_complete;
    // A scan that an earlier attempt completed (a scanner that stalled past its job lock, or died
    // before it could say so, hands its job to another) is over: recording it again would record
    // the scope twice. Pages of a retry that came before the completion are recorded as usual.
    const lastAttempt = last?.batch?.split('@')[1]?.split('#')[0];
    if (
      last?.complete &&
      lastScan === page.scan_id &&
      lastAttempt !== String(page.attempt) &&
      !this.store.isApplied(page.page_id)
    ) {
      this.log.info({ page: page.page_id, scan: page.scan_id }, 'scan already recorded by an earlier attempt');
      return null;
    }
    const final = page.final;
    // An event's re-read newer than this page outranks it: what the sweep read of that resource
    // is older, and one the re-read found (made after the sweep listed the scope) is not gone.
    const observedMs = Date.parse(page.observed_at);
    const resources = page.resources.filter((r) => !this.recent.newerThan(r.id, observedMs));
    let seen = final?.status === 'complete' ? final.seen : undefined;
    if (final?.status === 'complete' && final.started_at) {
      const { account, region, type } = page.scope;
      const reread = this.recent.since(`aws:${account}:${region}:${type}:`, Date.parse(final.started_at));
      if (reread.length > 0) seen = [...final.seen, ...reread];
    }
    const write = scanWrite(this.store, page.page_id, page.scope, resources, {
      observedAt: page.observed_at,
      complete: final?.status === 'complete',
      seen,
      audit: ({ revision, changed, unchanged }) => {
        const entries: AuditEntryDraft[] = [
          {
            type: 'observed',
            resource_id: '',
            revision,
            data: {
              scan_id: page.scan_id,
              page_id: page.page_id,
              page: page.page,
              scope: page.scope,
              resources: page.resources.length,
              changed,
              unchanged,
            },
          },
        ];
        if (final?.status === 'complete') {
          entries.push({
            type: 'scan_completed',
            resource_id: '',
            revision,
            data: { scan_id: page.scan_id, scope: page.scope, count: final.count, pages: final.pages },
          });
        } else if (final?.status === 'failed') {
          entries.push({
            type: 'scan_failed',
            resource_id: '',
            revision,
            data: { scan_id: page.scan_id, scope: page.scope, error: final.error, code: final.code },
          });
        }
        return entries;
      },
    });
    const result = await this.store.write(write);
    this.sweeps.set(key, {
      batch: page.page_id,
      observed_at: page.observed_at,
      complete: final?.status === 'complete',
    });
    await this.handOn(async () => {
      // A filtered scope is part of one: the whole of it is evaluated when its own scan completes.
      if (final?.status === 'complete' && !page.scope.filter) {
        await this.deltas.scopeComplete?.({
          kind: 'scope',
          store: this.store.id,
          key: storeKeys.scopeEvaluation(this.store.id, page.page_id),
          revision: result.revision,
          scope: { account: page.scope.account, region: page.scope.region, type: page.scope.type },
        });
      }
      if (result.deltas.length > 0) {
        await this.deltas.send(
          {
            store: this.store.id,
            revision: result.revision,
            time: result.time,
            scope: page.scope,
            scan_id: page.scan_id,
            deltas: result.deltas,
            ...(baseline ? { baseline } : {}),
          },
          page,
        );
      }
    });
    if (result.duplicate) this.log.info({ page: page.page_id, revision: result.revision }, 'page already recorded');
    return result;
  }

  /**
   * An event's re-read of named ids: those found are upserted, nothing else of the scope is
   * tombstoned, and an id a direct read confirmed not found (`partial.gone`) is tombstoned. Who
   * made each change goes with the deltas to the detector and, per version, into the trail
   * (`attributed`), so `history` names them after a restart.
   */
  private async recordPartial(page: PartialPage): Promise<ScanResult> {
    const { account, region, type } = page.scope;
    const scope = { account, region, type };
    const known = this.store.scopes().find((s) => s.key === scopeKey(scope));
    const baseline = !known?.last_complete;
    const batch = `${PARTIAL_BATCH}${page.page_id}`;
    const gone = this.gone(page, known !== undefined && known.last_complete !== undefined);
    const write = scanWrite(this.store, batch, scope, page.resources, {
      observedAt: page.observed_at,
      audit: ({ revision, changed, unchanged }) => [
        {
          type: 'observed',
          resource_id: '',
          revision,
          data: {
            scan_id: page.scan_id,
            page_id: page.page_id,
            scope,
            partial: true,
            ids: page.partial.ids,
            gone: page.partial.gone,
            resources: page.resources.length,
            changed,
            unchanged,
          },
        },
      ],
    });
    // Marked complete as before, so the scope's last scan reads the same; only the gone are deleted.
    const result = await this.store.write(gone.length > 0 ? { ...write, complete: true, deletes: gone } : write);
    this.recent.record(page.partial.ids, Date.parse(page.observed_at));
    const actors = actorsOf(result.deltas, page.actors);
    if (actors) {
      await this.store.appendAudit(
        Object.entries(actors).map(([id, actor]) => ({
          type: 'attributed' as const,
          resource_id: id,
          revision: result.revision,
          data: { actor, scan_id: page.scan_id },
          key: attributedKey(this.store.id, result.revision, id),
        })),
      );
    }
    await this.handOn(async () => {
      if (result.deltas.length === 0) return;
      await this.deltas.send(
        {
          store: this.store.id,
          revision: result.revision,
          time: result.time,
          scope,
          scan_id: page.scan_id,
          deltas: result.deltas,
          ...(baseline ? { baseline } : {}),
          ...(actors ? { actors } : {}),
        },
        page,
      );
    });
    if (result.duplicate) this.log.info({ page: page.page_id, revision: result.revision }, 'page already recorded');
    return result;
  }

  /**
   * What follows a commit: the handoff to Redis (deltas, scope evaluation) and the trail to NATS at
   * once, as neither waits for the other and each is a round trip the page job would otherwise pay
   * in turn. Both are idempotent, so a page retried after either failed does both again harmlessly;
   * the job is done only when both are.
   */
  private async handOn(handoff: () => Promise<void>): Promise<void> {
    const [sent, published] = await Promise.allSettled([handoff(), this.wal.catchUp()]);
    if (sent.status === 'rejected') throw sent.reason;
    if (published.status === 'rejected') throw published.reason;
  }

  /**
   * The ids a direct read confirmed gone that are still live: the write deletes them. Only once the
   * scope has had a complete sweep (before that, the sweep decides what exists).
   */
  private gone(page: PartialPage, swept: boolean): string[] {
    // Deletes are the caller's to scope: only ids of this page's scope, never another's.
    const inScope = scopePrefix(page.scope);
    const gone = page.partial.gone.filter((id) => id.startsWith(inScope) && this.store.get(id) !== null);
    if (gone.length === 0) return [];
    if (!swept) {
      this.log.info({ ids: gone }, 'gone, but the scope has no complete sweep yet: left to the sweep');
      return [];
    }
    return gone;
  }

  /** Audit entries from the other services join the one ordered, hash-chained trail. */
  async recordAudit(draft: AuditEntryDraft): Promise<AuditEntry> {
    const [entry] = await this.store.appendAudit(draft);
    await this.wal.catchUp();
    return entry as AuditEntry;
  }
}

/** The actors of the resources this revision gave a version; none when no version was made. */
function actorsOf(deltas: Delta[], actors: Record<string, Actor> | undefined): Record<string, Actor> | undefined {
  if (!actors) return undefined;
  const out: Record<string, Actor> = {};
  for (const d of deltas) {
    const a = actors[d.id];
    if (a) out[d.id] = a;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
