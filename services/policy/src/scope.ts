import type { QueryClient } from '@elava/query';
import type { AnyResource, AuditEntry, ScopeRequest } from '@elava/types';
import type { RecalledDecision } from './remember.js';

const PAGE = 1_000;

/** Pages through a scope's live resources at one revision, asking the recorder over NATS. */
export async function* scopeResources(
  query: QueryClient,
  scope: ScopeRequest['scope'],
  revision: number,
): AsyncGenerator<AnyResource[]> {
  let cursor: string | null = null;
  do {
    const page: { items: { resource?: AnyResource }[]; next_cursor: string | null } = await query.get('resources', {
      at: String(revision),
      account: scope.account,
      region: scope.region,
      type: scope.type,
      limit: String(PAGE),
      ...(cursor ? { cursor } : {}),
    });
    const resources = page.items.flatMap((v) => (v.resource ? [v.resource] : []));
    if (resources.length > 0) yield resources;
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

/** One change in a policy input's `history`: what kind, at which revision and when. */
export interface HistoryItem {
  type: 'appeared' | 'disappeared' | 'modified' | 'tag_drift' | 'status_changed';
  revision: number;
  time: string;
}

/** Fields that move without anything having changed, and fields that are a resource's state (as classify.ts). */
const VOLATILE = [/^attributes\.available_ip_address_count$/, /^attributes\.last_/];
const STATUS = /^(status|attributes\.state|attributes\.status)$/;
/** At most this many versions of one resource are read for its history (the newest are the ones kept). */
const HISTORY_VERSIONS = 10_000;

interface HistoryVersion {
  revision: { main: number };
  /** The revision that began this generation (an appearance, or a return after a tombstone). */
  created: number;
  time: string;
  tombstone: boolean;
  diff: { path: string }[];
}

/**
 * A resource's changes within a window, from its versions in the store (one `history` query,
 * a page per thousand versions): the changes with `since <= time` and `revision <= upTo`, oldest
 * first. A version that changed tags, state and other fields at once counts once for each, as the
 * detector publishes them. Cost estimates are left out (the detector's prices are its own).
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
  const from = window.since.getTime();
  const out: HistoryItem[] = [];
  for (let i = 0; i < versions.length; i++) {
    const v = versions[i] as HistoryVersion;
    if (v.revision.main > window.upTo) break;
    if (Date.parse(v.time) < from) continue;
    const at = { revision: v.revision.main, time: v.time };
    if (v.tombstone) out.push({ type: 'disappeared', ...at });
    else if (v.created === v.revision.main) out.push({ type: 'appeared', ...at });
    else {
      const paths = v.diff.map((d) => d.path).filter((p) => !VOLATILE.some((r) => r.test(p)));
      if (paths.some((p) => p.startsWith('tags.'))) out.push({ type: 'tag_drift', ...at });
      if (paths.some((p) => STATUS.test(p))) out.push({ type: 'status_changed', ...at });
      if (paths.some((p) => !p.startsWith('tags.') && !STATUS.test(p))) out.push({ type: 'modified', ...at });
    }
  }
  return out;
}
