import type { Logger } from '@elava/log';
import type { ScanResult, Store } from '@elava/store';
import {
  type AuditEntry,
  type AuditEntryDraft,
  type ObservationPage,
  type RevisionDeltas,
  type ScopeRequest,
  scopeKey,
  storeKeys,
} from '@elava/types';
import type { WalPublisher } from './wal-publisher.js';

export type { RevisionDeltas } from '@elava/types';

export interface DeltaSink {
  /** Must be idempotent per revision: a retried page hands the same revision again. */
  send(d: RevisionDeltas): Promise<void>;
  /** A scan of a scope completed cleanly: its resources go to policy evaluation (idempotent by key). */
  scopeComplete?(req: ScopeRequest): Promise<void>;
}

/**
 * The recorder's logic, apart from queues: each observation page becomes one revision with its
 * audit entries in the same record; then deltas go to the detector and the trail to NATS. A page
 * retried after a crash is a no-op in the store, and what followed the commit is done again.
 */
export class Recorder {
  constructor(
    private readonly store: Store,
    private readonly wal: WalPublisher,
    private readonly deltas: DeltaSink,
    private readonly log: Logger,
    private readonly stale?: () => void,
  ) {}

  async recordPage(page: ObservationPage): Promise<ScanResult | null> {
    // A page of another scan observed before the scope's last recorded page belongs to an older
    // scan (a slow or retried one, or a queue left from another run): recording it would roll the
    // estate back. Pages of the same scan are recorded in any order (`seen` keeps tombstones right).
    const key = scopeKey(page.scope);
    const known = this.store.scopes().find((s) => s.key === key);
    const last = known?.last_scan;
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
    const result = await this.store.applyScan(page.page_id, page.scope, page.resources, {
      observedAt: page.observed_at,
      complete: final?.status === 'complete',
      seen: final?.status === 'complete' ? final.seen : undefined,
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
      await this.deltas.send({
        store: this.store.id,
        revision: result.revision,
        time: result.time,
        scope: page.scope,
        scan_id: page.scan_id,
        deltas: result.deltas,
        ...(baseline ? { baseline } : {}),
      });
    }
    await this.wal.catchUp();
    if (result.duplicate) this.log.info({ page: page.page_id, revision: result.revision }, 'page already recorded');
    return result;
  }

  /** Audit entries from the other services join the one ordered, hash-chained trail. */
  async recordAudit(draft: AuditEntryDraft): Promise<AuditEntry> {
    const [entry] = await this.store.appendAudit(draft);
    await this.wal.catchUp();
    return entry as AuditEntry;
  }
}
