import { type ClientSet, isNotFound, providerFor, readOne, type ScanContext } from '@elava/aws';
import type { Logger } from '@elava/log';
import { encodeResource } from '@elava/store';
import {
  type Actor,
  type AnyResource,
  formatResourceId,
  type ObservationPage,
  type ResourceType,
  type ScanJob,
  scopeKey,
} from '@elava/types';
import { pageId, type ScanSummary } from './scan-runner.js';

/**
 * Between the reads of an id an event says was deleted: AWS may still describe it for a few
 * seconds (eventual consistency), so it is read again after these delays, then left to the sweep.
 * Three reads over about ten seconds by default; ELAVA_GONE_RECHECK_MS="3000,7000" sets them.
 */
export function recheckDelays(env: NodeJS.ProcessEnv = process.env): number[] {
  const given = env.ELAVA_GONE_RECHECK_MS;
  if (given === undefined) return [3_000, 7_000];
  const ms = given
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(Number);
  return ms.every((n) => Number.isFinite(n) && n >= 0) ? ms : [3_000, 7_000];
}

export interface TargetedDeps {
  clients: ClientSet;
  sendPage(page: ObservationPage): Promise<void>;
  /** Queues the next read of ids still found after a delete event, after `delayMs`. */
  recheck(job: ScanJob & { scan_id: string; ids: string[] }, delayMs: number): Promise<void>;
  log: Logger;
  delays?: number[];
  now?: () => Date;
}

/** The resources with these native ids as AWS has them now; an id that does not exist is absent. */
async function readIds(ctx: ScanContext, type: ResourceType, ids: string[]): Promise<Map<string, AnyResource>> {
  const provider = providerFor(type);
  const wanted = new Set(ids);
  const found = new Map<string, AnyResource>();
  try {
    for await (const page of provider.pages(ctx, undefined, ids))
      for (const r of page as AnyResource[]) if (wanted.has(r.native_id)) found.set(r.native_id, r);
    return found;
  } catch (err) {
    // Some APIs answer "no such thing" for the whole request when one id of several is gone: one
    // at a time then, so the ids that exist are still read.
    if (!isNotFound(err)) throw err;
    if (ids.length === 1) return new Map();
  }
  found.clear();
  for (const id of ids) {
    const r = (await readOne(provider, ctx, id)) as AnyResource | undefined;
    if (r) found.set(id, r);
  }
  return found;
}

/**
 * A targeted re-read (an event named these ids): one partial page with what was found, the ids a
 * delete event named that a direct read confirmed not found (`gone`), and who made each change.
 * A failed read throws (BullMQ retries, then the sweep is the fallback); nothing else of the scope
 * is touched. Ids of a delete event still found are read again later, at most `delays.length` times.
 */
export async function runTargeted(
  job: ScanJob & { scan_id: string; ids: string[] },
  attempt: number,
  deps: TargetedDeps,
): Promise<ScanSummary> {
  const started = Date.now();
  const { account, region, type } = job.scope;
  const ctx: ScanContext = { account, region, clients: deps.clients };
  const found = await readIds(ctx, type, job.ids);
  const canonical = (nativeId: string) => formatResourceId({ provider: 'aws', account, region, type, nativeId });
  const gone = (job.gone ?? []).filter((id) => !found.has(id));
  const stillThere = (job.gone ?? []).filter((id) => found.has(id));
  const actors: Record<string, Actor> = {};
  for (const [nativeId, actor] of Object.entries(job.actors ?? {})) {
    const r = found.get(nativeId);
    if (r || gone.includes(nativeId)) actors[r?.id ?? canonical(nativeId)] = actor;
  }
  await deps.sendPage({
    scan_id: job.scan_id,
    page_id: pageId(job.scan_id, attempt, 0),
    page: 0,
    attempt,
    scope: { account, region, type },
    observed_at: (deps.now ?? (() => new Date()))().toISOString(),
    resources: [...found.values()].map((r) => encodeResource(r)),
    partial: { ids: job.ids.map(canonical), gone: gone.map(canonical) },
    ...(Object.keys(actors).length > 0 ? { actors } : {}),
  });
  const delays = deps.delays ?? recheckDelays();
  const round = job.recheck ?? 0;
  if (stillThere.length > 0) {
    const delay = delays[round];
    if (delay === undefined) {
      deps.log.info(
        { scan: job.scan_id, ids: stillThere, reads: round + 1 },
        'still found after a delete event: left to the sweep',
      );
    } else {
      const base = job.scan_id.replace(/-r\d+$/, '');
      await deps.recheck(
        {
          scan_id: `${base}-r${round + 1}`,
          scope: { account, region, type },
          requested_by: job.requested_by,
          ids: stillThere,
          gone: stillThere,
          actors: Object.fromEntries(Object.entries(job.actors ?? {}).filter(([id]) => stillThere.includes(id))),
          recheck: round + 1,
        },
        delay,
      );
    }
  }
  return {
    scan_id: job.scan_id,
    scope: scopeKey({ account, region, type }),
    status: 'complete',
    resources: found.size,
    pages: 1,
    ms: Date.now() - started,
    calls: deps.clients.stats.calls,
    throttles: deps.clients.stats.throttles,
  };
}
