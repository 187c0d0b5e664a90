import type { Logger } from '@elava/log';
import { headers, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { QUERIES, QueryError, type QueryName } from './params.js';
import type { StoreReader } from './reader.js';

/**
 * Queries travel as NATS request/reply on `elava.query.<name>`: the request is the parameters
 * as JSON, the reply the answer's JSON with an `Elava-Status` header (HTTP status codes, so the
 * API passes them through). Only the process holding the store answers, in a queue group, so a
 * standby recorder that takes over answers the same subjects.
 */
export const QUERY_SUBJECT = 'elava.query';
const STATUS = 'Elava-Status';
const QUEUE = 'elava-recorder';

export function serveQueries(
  nc: NatsConnection,
  reader: StoreReader,
  log: Logger,
  subject = QUERY_SUBJECT,
): Subscription {
  const names = new Set(Object.keys(QUERIES));
  return nc.subscribe(`${subject}.*`, {
    queue: QUEUE,
    callback: (err, msg) => {
      if (err) {
        log.warn({ err: err.message }, 'query subscription error');
        return;
      }
      const name = msg.subject.slice(subject.length + 1);
      let status = 200;
      let body: string;
      try {
        if (!names.has(name)) throw new QueryError(404, `no such query: ${name}`);
        body = reader.answer(name as QueryName, parseRequest(msg));
      } catch (e) {
        status = e instanceof QueryError ? e.status : 500;
        if (status === 500) log.error({ err: (e as Error).message, query: name }, 'query failed');
        body = JSON.stringify({ error: (e as Error).message });
      }
      const h = headers();
      h.set(STATUS, String(status));
      msg.respond(body, { headers: h });
    },
  });
}

function parseRequest(msg: Msg): unknown {
  if (msg.data.length === 0) return {};
  try {
    return msg.json();
  } catch {
    throw new QueryError(400, 'the request is not JSON');
  }
}

export interface QueryAnswer {
  status: number;
  /** JSON text, passed through as is. */
  body: string;
}

/** Asks the recorder; a missing or slow recorder is a 503/504 with a message that says so. */
export class QueryClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
    /** Another prefix keeps clusters (or tests) that share one NATS apart. */
    private readonly subject = QUERY_SUBJECT,
  ) {}

  async ask(name: QueryName, params: Record<string, unknown>): Promise<QueryAnswer> {
    try {
      const reply = await this.nc.request(`${this.subject}.${name}`, JSON.stringify(params), {
        timeout: this.timeoutMs,
      });
      return { status: Number(reply.headers?.get(STATUS) || 500), body: reply.string() };
    } catch (err) {
      const e = err as Error & { isNoResponders?: () => boolean; isTimeout?: () => boolean };
      const noResponders = e.name === 'NoRespondersError' || e.isNoResponders?.() === true;
      if (noResponders) return error(503, 'no recorder is answering queries (is it running and holding the store?)');
      if (e.name === 'TimeoutError' || e.isTimeout?.() === true)
        return error(504, `the recorder did not answer within ${this.timeoutMs} ms`);
      return error(503, `cannot ask the recorder: ${e.message}`);
    }
  }

  /** The answer's JSON, or a QueryError carrying its status and message. */
  async get<T>(name: QueryName, params: Record<string, unknown>): Promise<T> {
    const a = await this.ask(name, params);
    const parsed = JSON.parse(a.body) as T & { error?: string };
    if (a.status !== 200) throw new QueryError(a.status as QueryError['status'], parsed.error ?? a.body);
    return parsed;
  }
}

const error = (status: number, message: string): QueryAnswer => ({ status, body: JSON.stringify({ error: message }) });
