import type { QueryClient } from '@elava/query';
import type { AnyResource, AuditEntry, ScopeRequest } from '@elava/types';
import { type HistoryItem, type HistoryVersion, historyOf } from './inputs.js';
import type { RecalledDecision } from './remember.js';

const PAGE = 1_000;

/** A live resource of a scope, with the store's hash of its content (the memo's key, when given). */
export interface ScopeItem {
  resource: AnyResource;
  content_hash?: string;
}

/** Pages through a scope's live resources at one revision, asking the recorder over NATS. */
export async function* scopeResources(
  query: QueryClient,
  scope: ScopeRequest['scope'],
  revision: number,
): AsyncGenerator<ScopeItem[]> {
  let cursor: string | null = null;
  do {
    const page: { items: { resource?: AnyResource; content_hash?: unknown }[]; next_cursor: string | null } =
      await query.get('resources', {
        at: String(revision),
        account: scope.account,
        region: scope.region,
        type: scope.type,
        limit: String(PAGE),
        ...(cursor ? { cursor } : {}),
      });
    const items = page.items.flatMap((v) =>
      v.resource
        ? [{ resource: v.resource, ...(typeof v.content_hash === 'string' ? { content_hash: v.content_hash } : {}) }]
        : [],
    );
    if (items.length > 0) yield items;
    cursor = page.next_cursor;
  } while (cursor);
}

/** The identity of the store the recorder holds now. */
export async function currentStore(query: QueryClient): Promise<string> {
  const status: { store?: string } = await query.get('status', {});
  if (!status.store) throw new Error('the recorder did not say which store it holds (an older recorder?)');
  return status.store;
}

/** The trail's `decided` entries from `since` on, as the decision memory keeps them. */
export async function* decidedSince(query: QueryClient, since: Date): AsyncGenerator<RecalledDecision[]> {
  let cursor: string | null = null;
  do {
    const page: { items: AuditEntry[]; next_cursor: string | null } = await query.get('audit', {
      type: 'decided',
      since: since.toISOString(),
      limit: String(PAGE),
      ...(cursor ? { cursor } : {}),
    });
    const recalled: RecalledDecision[] = [];
    for (const e of page.items) {
      // Entries written before the memory was kept in the trail have none: nothing to recall.
      const m = e.data.memory as { key?: unknown; fingerprint?: unknown } | undefined;
      if (typeof m?.key === 'string' && typeof m.fingerprint === 'string')
        recalled.push({ key: m.key, fingerprint: m.fingerprint, at: Date.parse(e.time) });
    }
    if (recalled.length > 0) yield recalled;
    cursor = page.next_cursor;
  } while (cursor);
}

/** At most this many versions of one resource are read for its history (the newest are the ones kept). */
const HISTORY_VERSIONS = 10_000;

/**
 * A resource's changes within a window, from its versions in the store (one `history` query,
 * a page per thousand versions): the changes with `since <= time` and `revision <= upTo`, oldest
 * first (inputs.ts historyOf).
 */
export async function resourceHistory(
  query: QueryClient,
  id: string,
  window: { since: Date; upTo: number },
): Promise<HistoryItem[]> {
  const versions: HistoryVersion[] = [];
  let cursor: string | null = null;
  do {
    let page: { items: HistoryVersion[]; next_cursor: string | null };
    try {
      page = await query.get('history', { id, limit: String(PAGE), ...(cursor ? { cursor } : {}) });
    } catch (err) {
      // Nothing recorded of it (yet, or any more): no history, not a failure.
      if ((err as { status?: number }).status === 404) return [];
      throw err;
    }
    versions.push(...page.items);
    if (versions.length > HISTORY_VERSIONS) versions.splice(0, versions.length - HISTORY_VERSIONS);
    cursor = page.next_cursor;
  } while (cursor);
  return historyOf(versions, window);
}
