import {
  CompactedError,
  FutureRevisionError,
  type ListKeys,
  parseSelector,
  type Store,
  type StoredVersion,
} from '@elava/store';
import {
  type AuditEntry,
  type AuditEntryType,
  CHANGE_TYPES,
  type ResourceType,
  type StoreStatus,
  typeOfId,
} from '@elava/types';
import { actorMatches, actorsByRevision } from './actors.js';
import { changeFilter } from './change-filter.js';
import { compareVersions } from './compare.js';
import { decodeCursor } from './cursor.js';
import { diffPage } from './estate-diff.js';
import { PageBuilder } from './page.js';
import {
  type AuditParams,
  type ChangesParams,
  type DecisionsParams,
  type DeltasParams,
  type HistoryParams,
  parseParams,
  QueryError,
  type QueryName,
  type ResourceParams,
  type ResourcesParams,
} from './params.js';
import { estateStats } from './stats.js';
import { changeItems, decisionItem } from './trail-items.js';
import { explain } from './why.js';

/** Leaves room under NATS's default 1 MiB message for the envelope. */
export const DEFAULT_BUDGET = 900 * 1024;
const TRAIL_CHUNK = 512;

/**
 * Answers queries from an open store with JSON text. Listings are pages with an opaque
 * `next_cursor`; a resource listing is pinned to one revision across its pages. Changes and
 * decisions are read from the audit trail (`changes_detected` and `decided` entries), which
 * compaction never removes, so they outlive the versions they describe.
 */
export class StoreReader {
  constructor(
    private readonly store: Store,
    private readonly budget = DEFAULT_BUDGET,
    /** How each type's lists are matched in a history's diffs (the AWS readers' `listKeys`). */
    private readonly listKeys: (type: ResourceType) => ListKeys = () => ({}),
  ) {}

  private listKeysOf(id: string): ListKeys {
    const type = typeOfId(id);
    return type ? this.listKeys(type) : {};
  }

  answer(name: QueryName, raw: unknown): string {
    try {
      switch (name) {
        case 'resources':
          return this.resources(parseParams('resources', raw));
        case 'resource':
          return this.resource(parseParams('resource', raw));
        case 'history':
          return this.history(parseParams('history', raw));
        case 'changes':
          return this.changes(parseParams('changes', raw));
        case 'stats':
          return estateStats(this.store, parseParams('stats', raw).hours);
        case 'compare':
          return compareVersions(this.store, parseParams('compare', raw), (id) => this.listKeysOf(id));
        case 'diff':
          return diffPage(this.store, parseParams('diff', raw), this.budget, (t) => this.listKeys(t as ResourceType));
        case 'decisions':
          return this.decisions(parseParams('decisions', raw));
        case 'audit':
          return this.audit(parseParams('audit', raw));
        case 'verify':
          parseParams('verify', raw);
          return JSON.stringify(this.store.verifyAudit());
        case 'status':
          parseParams('status', raw);
          return this.status();
        case 'why':
          return JSON.stringify(explain(this.store, parseParams('why', raw).id));
        case 'deltas':
          return this.deltas(parseParams('deltas', raw));
        default:
          throw new QueryError(404, `no such query: ${String(name)}`);
      }
    } catch (err) {
      if (err instanceof CompactedError) throw new QueryError(410, err.message);
      if (err instanceof FutureRevisionError) throw new QueryError(400, err.message);
      throw err;
    }
  }

  private resources(p: ResourcesParams): string {
    const c = decodeCursor(p.cursor);
    const rev = c?.r ?? this.store.resolve(p.at);
    const page = new PageBuilder(p.limit, this.budget);
    const filter = { type: p.type, region: p.region, account: p.account, tag: p.tag };
    let last: string | undefined = c?.k;
    for (const v of this.store.range(filter, { at: rev, after: c?.k, limit: p.limit + 1, raw: true })) {
      if (!page.add(versionJson(v), { r: rev, k: last })) break;
      last = v.id;
    }
    return page.toJSON({ revision: rev, time: this.store.timeOf(rev) ?? null });
  }

  private deltas(p: DeltasParams): string {
    const deltas = this.store.revisionDeltas(p.revision);
    const c = decodeCursor(p.cursor);
    const page = new PageBuilder(Number.POSITIVE_INFINITY, this.budget);
    for (let i = c?.i ?? 0; i < deltas.length; i++) if (!page.add(JSON.stringify(deltas[i]), { i })) break;
    return page.toJSON({
      store: this.store.id,
      revision: p.revision,
      time: this.store.timeOf(p.revision) ?? null,
      count: deltas.length,
    });
  }

  private resource(p: ResourceParams): string {
    const rev = this.store.resolve(p.at);
    const v = this.store.get(p.id, rev);
    if (!v) throw new QueryError(404, `${p.id} did not exist at revision ${rev}`);
    return `{"revision":${rev},"item":${versionJson({ ...v, json: JSON.stringify(v.resource) })}}`;
  }

  private history(p: HistoryParams): string {
    const entries = this.store.history(p.id, this.listKeysOf(p.id));
    if (entries.length === 0) throw new QueryError(404, `no versions of ${p.id} are recorded`);
    const c = decodeCursor(p.cursor);
    const page = new PageBuilder(p.limit, this.budget);
    // Who made each version, where the trail says (issue 15): printed as "by <principal>".
    const actors = actorsByRevision(this.store, p.id);
    for (let i = c?.i ?? 0; i < entries.length; i++) {
      const e = entries[i] as (typeof entries)[number];
      const actor = actors.get(e.revision.main);
      if (!page.add(JSON.stringify(actor ? { ...e, actor } : e), { i })) break;
    }
    return page.toJSON({ id: p.id, versions: entries.length });
  }

  private changes(p: ChangesParams): string {
    const since = this.since(p.since);
    const changeType = (CHANGE_TYPES as readonly string[]).includes(p.type ?? '') ? p.type : undefined;
    const resourceType = changeType ? undefined : p.type;
    const where = changeFilter(this.store, p, since.revision ?? this.revisionAtOrFirst(since.time));
    return this.trail(['changes_detected'], p, false, since.time, (e) =>
      changeItems(e).filter(
        (ch) =>
          (since.revision === undefined || ch.revision > since.revision) &&
          (since.revision !== undefined || since.time === undefined || Date.parse(ch.time) >= since.time.getTime()) &&
          (!changeType || ch.type === changeType) &&
          (!resourceType || typeOfId(ch.resource_id) === resourceType) &&
          (!p.resource || ch.resource_id === p.resource) &&
          (!p.by || actorMatches(ch.actor, p.by)) &&
          where(ch),
      ),
    );
  }

  /** The revision in force at a time, or the oldest readable one when the time is before it. */
  private revisionAtOrFirst(time: Date | undefined): number {
    if (!time) return this.store.compactedAt;
    try {
      return this.store.resolve(time);
    } catch (err) {
      if (err instanceof CompactedError) return this.store.compactedAt;
      throw err;
    }
  }

  private decisions(p: DecisionsParams): string {
    const since = this.since(p.since);
    return this.trail(['decided'], p, true, since.time, (e) => {
      const d = decisionItem(e);
      const keep =
        d &&
        (since.revision === undefined || d.revision > since.revision) &&
        (!p.action || d.action === p.action) &&
        (!p.severity || d.severity === p.severity) &&
        (!p.resource || d.resource.id === p.resource);
      return keep ? [d] : [];
    });
  }

  private audit(p: AuditParams): string {
    const since = p.since === undefined ? undefined : this.since(p.since);
    return this.trail(p.type ?? null, p, true, since?.time, (e) => [e]);
  }

  /**
   * Walks the trail from the cursor (or the start time) in chunks, turning each entry into zero
   * or more items, until the page is full.
   */
  private trail<T>(
    types: AuditEntryType[] | null,
    p: { resource?: string; limit: number; cursor?: string },
    /** Whether the entries name the resource themselves (a `changes_detected` entry names many). */
    byResource: boolean,
    since: Date | undefined,
    items: (e: AuditEntry) => T[],
  ): string {
    const c = decodeCursor(p.cursor);
    const page = new PageBuilder(p.limit, this.budget);
    const resource = byResource ? p.resource : undefined;
    let after = c?.s !== undefined ? c.s - 1 : 0;
    let skip = c?.i ?? 0;
    for (;;) {
      const chunk = this.store.audit({
        types: types ?? undefined,
        resource,
        since: c ? undefined : since,
        after,
        limit: TRAIL_CHUNK,
      });
      for (const e of chunk) {
        const list = items(e);
        for (let i = skip; i < list.length; i++) {
          if (!page.add(JSON.stringify(list[i]), { s: e.seq, i }))
            return page.toJSON({ audit_seq: this.store.auditSeq });
        }
        skip = 0;
        after = e.seq;
      }
      if (chunk.length < TRAIL_CHUNK) break;
      after = (chunk[chunk.length - 1] as AuditEntry).seq;
    }
    return page.toJSON({ audit_seq: this.store.auditSeq });
  }

  /** A revision selector keeps its number (compare revisions); a time or an age compares times. */
  private since(text: string): { revision?: number; time?: Date } {
    const sel = parseSelector(text);
    if (sel instanceof Date) return { time: sel };
    if (sel > this.store.revision) throw new FutureRevisionError(sel, this.store.revision);
    const t = this.store.timeOf(sel);
    return { revision: sel, time: t ? new Date(t) : undefined };
  }

  private status(): string {
    const s = this.store;
    return JSON.stringify({
      store: s.id,
      revision: s.revision,
      time: s.timeOf(s.revision) ?? null,
      stats: s.stats(),
      scopes: s.scopes(),
    } satisfies StoreStatus);
  }
}

/** A stored version with its document spliced in as stored. */
function versionJson(v: StoredVersion): string {
  const { json, resource: _r, ...meta } = v;
  const head = JSON.stringify(meta);
  return json === undefined ? head : `${head.slice(0, -1)},"resource":${json}}`;
}
