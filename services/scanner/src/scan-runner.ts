import { type CallStats, type ClientSet, providerFor } from '@elava/aws';
import type { Logger } from '@elava/log';
import { encodeResource } from '@elava/store';
import {
  type AnyResource,
  type EncodedObservation,
  type ObservationPage,
  type ScanJob,
  type ScopeFilter,
  scopeKey,
} from '@elava/types';

export interface ScanDeps {
  clients: ClientSet;
  /** Sends one page to the recorder; resolves once the page is safely queued. */
  sendPage(page: ObservationPage): Promise<void>;
  log: Logger;
  /** API page size, where the API takes one. */
  apiPageSize?: number;
  /** Resources per observation page. */
  pageSize?: number;
  now?: () => Date;
}

export interface ScanSummary {
  scan_id: string;
  scope: string;
  status: 'complete' | 'failed';
  resources: number;
  pages: number;
  ms: number;
  calls: number;
  throttles: number;
  error?: string;
}

/** Stable for one attempt of one scan; BullMQ job ids may not contain ':'. */
export function pageId(scanId: string, attempt: number, page: number): string {
  return `${scanId}@${attempt}#${page}`;
}

function matches(r: AnyResource, filter?: ScopeFilter): boolean {
  if (!filter?.tags) return true;
  return Object.entries(filter.tags).every(([k, v]) => {
    const have = r.tags[k];
    return have !== undefined && (Array.isArray(v) ? v.includes(have) : have === v);
  });
}

function errorCode(err: unknown): string | undefined {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e?.Code ?? e?.name ?? (e?.$metadata?.httpStatusCode ? `HTTP${e.$metadata.httpStatusCode}` : undefined);
}

/**
 * Reads one scope and sends what it saw in pages, then a last page that says how it ended: complete
 * with the count and every id seen, or failed with the error. A failed scope sends no complete
 * marker, so the recorder never tombstones from a partial view.
 */
export async function runScan(
  job: ScanJob & { scan_id: string },
  attempt: number,
  deps: ScanDeps,
): Promise<ScanSummary> {
  const started = Date.now();
  const now = deps.now ?? (() => new Date());
  const provider = providerFor(job.scope.type);
  const pageSize = deps.pageSize ?? 500;
  const seen = new Set<string>();
  let buffer: EncodedObservation[] = [];
  let page = 0;
  const key = scopeKey({ account: job.scope.account, region: job.scope.region, type: job.scope.type });
  const send = async (resources: EncodedObservation[], final?: ObservationPage['final']) => {
    await deps.sendPage({
      scan_id: job.scan_id,
      page_id: pageId(job.scan_id, attempt, page),
      page,
      attempt,
      scope: job.scope,
      observed_at: now().toISOString(),
      resources,
      ...(final ? { final } : {}),
    });
    page++;
  };
  const summary = (status: ScanSummary['status'], stats: CallStats, error?: string): ScanSummary => ({
    scan_id: job.scan_id,
    scope: key,
    status,
    resources: seen.size,
    pages: page,
    ms: Date.now() - started,
    calls: stats.calls,
    throttles: stats.throttles,
    ...(error ? { error } : {}),
  });

  try {
    const ctx = {
      account: job.scope.account,
      region: job.scope.region,
      clients: deps.clients,
      pageSize: deps.apiPageSize,
    };
    for await (const resources of provider.pages(ctx, job.scope.filter)) {
      for (const r of resources as AnyResource[]) {
        // A filter the API could not apply is applied here; the scope stays filtered either way.
        if (!provider.serverSideTagFilter && !matches(r, job.scope.filter)) continue;
        if (seen.has(r.id)) continue;
        seen.add(r.id);
        buffer.push(encodeResource(r));
        if (buffer.length >= pageSize) {
          await send(buffer);
          buffer = [];
        }
      }
    }
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    deps.log.warn({ scan: job.scan_id, scope: key, err: message, code: errorCode(err) }, 'scan failed');
    await send(buffer, { status: 'failed', error: message, ...(errorCode(err) ? { code: errorCode(err) } : {}) });
    return summary('failed', deps.clients.stats, message);
  }
  await send(buffer, {
    status: 'complete',
    count: seen.size,
    pages: page + 1,
    seen: [...seen],
    started_at: new Date(started).toISOString(),
  });
  return summary('complete', deps.clients.stats);
}
