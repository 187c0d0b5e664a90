import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NatsConnection } from '@elava/bus';
import type { Logger } from '@elava/log';
import { type ChangesParams, parseParams, QueryError } from '@elava/query';
import { CHANGE_TYPES, type ChangeSummary, type Decision, parseResourceId, type Tags } from '@elava/types';
import type { Subscription } from '@nats-io/transport-node';

/** What a live client asked to see: the changes listing's own filters, checked the same way. */
export type LiveFilter = Pick<ChangesParams, 'type' | 'kind' | 'account' | 'region' | 'tag' | 'resource'>;

/** Reads and checks the filters of `/v1/events/changes` (a QueryError, 400, names what is wrong). */
export function parseLiveFilter(search: URLSearchParams): LiveFilter {
  const raw: Record<string, string> = {};
  for (const [k, v] of search) {
    if (Object.hasOwn(raw, k)) throw new QueryError(400, `parameter ${JSON.stringify(k)} given more than once`);
    if (k === 'since' || k === 'limit' || k === 'cursor')
      throw new QueryError(400, `unknown parameter ${JSON.stringify(k)}: the live feed has no window and no pages`);
    raw[k] = v;
  }
  const p = parseParams('changes', raw);
  return { type: p.type, kind: p.kind, account: p.account, region: p.region, tag: p.tag, resource: p.resource };
}

/** A change as the feed sends it: the listing's item, plus the tags of the version it is about. */
export type LiveChange = ChangeSummary & { tags: Tags };

interface Place {
  id: string;
  type: string;
  account: string;
  region: string;
  tags: Tags;
}

function placeOf(id: string, tags: Tags): Place | null {
  try {
    const p = parseResourceId(id);
    return { id, type: p.type, account: p.account, region: p.region, tags };
  } catch {
    return null;
  }
}

function hasTag(tags: Tags, tag: string): boolean {
  const eq = tag.indexOf('=');
  return eq < 0 ? tag in tags : tags[tag.slice(0, eq)] === tag.slice(eq + 1);
}

function placeMatches(f: LiveFilter, p: Place, changeType: string | undefined): boolean {
  const typeIsChange = (CHANGE_TYPES as readonly string[]).includes(f.type ?? '');
  if (f.type && (typeIsChange ? changeType !== f.type : p.type !== f.type)) return false;
  if (f.kind && changeType !== f.kind) return false;
  if (f.account && p.account !== f.account) return false;
  if (f.region && p.region !== f.region) return false;
  if (f.resource && p.id !== f.resource) return false;
  return !f.tag || hasTag(p.tags, f.tag);
}

/** A published change (with both documents) as the feed's item, or null when it is not one. */
export function liveChange(data: unknown): LiveChange | null {
  const c = data as Partial<ChangeSummary> & {
    previous?: { tags?: Tags } | null;
    current?: { tags?: Tags } | null;
  };
  if (
    !c ||
    typeof c.id !== 'string' ||
    typeof c.resource_id !== 'string' ||
    !(CHANGE_TYPES as readonly string[]).includes(c.type as string) ||
    !Array.isArray(c.diff)
  )
    return null;
  const { previous, current, ...summary } = c;
  return { ...(summary as ChangeSummary), tags: current?.tags ?? previous?.tags ?? {} };
}

export function changeMatches(f: LiveFilter, c: LiveChange): boolean {
  const p = placeOf(c.resource_id, c.tags);
  return p !== null && placeMatches(f, p, c.type);
}

/**
 * A decision matches on its resource (type, account, region, tags, id); a change type in `type` or
 * `kind` keeps only decisions about a change of that type.
 */
export function decisionMatches(f: LiveFilter, d: Decision): boolean {
  const r = d.resource;
  if (!r || typeof r.id !== 'string') return false;
  const p: Place = { id: r.id, type: r.type, account: r.account, region: r.region, tags: r.tags ?? {} };
  return placeMatches(f, p, d.change?.type);
}

const frame = (event: string, id: string, data: unknown) =>
  `event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;

export interface LiveFeedOptions {
  /** A comment line this often keeps proxies and the browser from closing an idle stream. */
  heartbeatMs?: number;
  /** A client this far behind (bytes queued) is cut off rather than buffered without end. */
  maxBufferedBytes?: number;
  subjects?: { changes: string; decisions: string };
}

/**
 * Server-sent events of what is published on NATS (`elava.changes.>` and `elava.decisions.>`),
 * each client with its own core subscription (nothing durable is created, nothing is left behind
 * when it goes): `event: change` and `event: decision`, filtered as the client asked.
 */
export class LiveFeed {
  private readonly open = new Set<() => void>();
  private readonly heartbeatMs: number;
  private readonly maxBuffered: number;
  private readonly subjects: { changes: string; decisions: string };

  constructor(
    private readonly nc: NatsConnection,
    private readonly log: Logger,
    opts: LiveFeedOptions = {},
  ) {
    this.heartbeatMs = opts.heartbeatMs ?? 15_000;
    this.maxBuffered = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.subjects = opts.subjects ?? { changes: 'elava.changes.>', decisions: 'elava.decisions.>' };
  }

  get clients(): number {
    return this.open.size;
  }

  serve(req: IncomingMessage, res: ServerResponse, filter: LiveFilter, headers: Record<string, string>): void {
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.write(': elava live feed\nretry: 3000\n\n');
    const subs: Subscription[] = [];
    const send = (text: string) => {
      if (res.writableLength > this.maxBuffered) {
        this.log.warn({ buffered: res.writableLength }, 'live feed client too slow: closing its stream');
        close();
        return;
      }
      res.write(text);
    };
    const listen = (subject: string, each: (data: unknown) => void) => {
      subs.push(
        this.nc.subscribe(subject, {
          callback: (err, msg) => {
            if (err) return;
            let data: unknown;
            try {
              data = msg.json();
            } catch {
              return;
            }
            each(data);
          },
        }),
      );
    };
    listen(this.subjects.changes, (data) => {
      const c = liveChange(data);
      if (c && changeMatches(filter, c)) send(frame('change', c.id, c));
    });
    listen(this.subjects.decisions, (data) => {
      const d = data as Decision;
      if (d && typeof d.id === 'string' && decisionMatches(filter, d)) send(frame('decision', d.id, d));
    });
    const beat = setInterval(() => send(`: keep-alive ${new Date().toISOString()}\n\n`), this.heartbeatMs);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(beat);
      for (const s of subs) s.unsubscribe();
      this.open.delete(close);
      res.end();
    };
    this.open.add(close);
    req.on('close', close);
    res.on('error', close);
  }

  /** Ends every stream (at shutdown, so the server can close). */
  closeAll(): void {
    for (const close of [...this.open]) close();
  }
}
