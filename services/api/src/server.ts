import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '@elava/log';
import { QueryError } from '@elava/query';
import type { ServiceRuntime } from '@elava/service';
import { authorized } from './auth.js';
import { type Asker, queryHandler } from './handler.js';
import { SECURITY_HEADERS } from './headers.js';
import { type LiveFeed, parseLiveFilter } from './live-feed.js';
import type { ServicesHealth } from './services-health.js';
import type { StaticFiles } from './static-files.js';

export interface ApiServerOptions {
  asker: Asker;
  openapiPath?: string;
  /** The web UI's built files. */
  ui: StaticFiles;
  /** Server-sent events of changes and decisions; absent where no NATS connection serves them. */
  feed?: LiveFeed;
  /** The services' heartbeats, for the UI's overview. */
  services?: () => Promise<ServicesHealth>;
  /** Required on /v1/ and /metrics when set (the UI's files and /healthz, /readyz carry no data). */
  token: string | null;
  runtime: Pick<ServiceRuntime, 'readiness' | 'metrics' | 'service'>;
  log: Logger;
}

const JSON_TYPE = 'application/json';

/**
 * The API service's one HTTP listener: the health endpoints, the query API under /v1/ (with the
 * live feed and the services' health), and the web UI everywhere else. Every answer carries the
 * security headers; /v1/ and /metrics need the bearer token when one is configured.
 */
export function apiListener(o: ApiServerOptions): RequestListener {
  const queries = queryHandler(o.asker, o.openapiPath);
  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, extra = {}) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, ...extra });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, value: unknown, extra = {}) =>
    send(res, status, JSON_TYPE, JSON.stringify(value), { 'cache-control': 'no-store', ...extra });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/healthz') return json(res, 200, { status: 'ok', service: o.runtime.service });
    if (path === '/readyz') {
      const r = await o.runtime.readiness();
      return json(res, r.ready ? 200 : 503, { service: o.runtime.service, ...r });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return json(res, 405, { error: `${req.method} is not allowed: GET` }, { allow: 'GET, HEAD' });
    const api = path === '/v1' || path.startsWith('/v1/');
    if ((api || path === '/metrics') && o.token && !authorized(req, o.token)) {
      o.log.debug({ path, remote: req.socket.remoteAddress }, 'request without a valid token refused');
      return json(
        res,
        401,
        { error: 'a bearer token is required: Authorization: Bearer <api.auth_token>' },
        { 'www-authenticate': 'Bearer realm="elava"' },
      );
    }
    if (path === '/metrics') return send(res, 200, o.runtime.metrics.contentType, await o.runtime.metrics.metrics());
    if (path === '/v1/events/changes') {
      if (!o.feed) return json(res, 503, { error: 'the live feed is not available' });
      let filter: ReturnType<typeof parseLiveFilter>;
      try {
        filter = parseLiveFilter(url.searchParams);
      } catch (err) {
        if (err instanceof QueryError) return json(res, err.status, { error: err.message });
        throw err;
      }
      return o.feed.serve(req, res, filter, SECURITY_HEADERS);
    }
    if (path === '/v1/services') {
      if (!o.services) return json(res, 503, { error: 'service health is not available' });
      return json(res, 200, await o.services());
    }
    if (api) {
      const a = await queries(req, url);
      return send(res, a.status, a.type ?? JSON_TYPE, a.body, { 'cache-control': 'no-store' });
    }
    const file = await o.ui.answer(path);
    return send(res, file.status, file.type, file.body, { 'cache-control': file.cache });
  };

  return (req, res) => {
    handle(req, res).catch((err: Error) => {
      o.log.error({ err: err.message, path: req.url?.split('?')[0] }, 'request failed');
      if (!res.headersSent) json(res, 500, { error: err.message });
      else res.end();
    });
  };
}
