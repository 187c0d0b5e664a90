import { readFileSync } from 'node:fs';
import { parseParams, type QueryAnswer, QueryError, type QueryName, REPEATABLE } from '@elava/query';
import type { HttpAnswer, HttpHandler } from '@elava/service';
import { route } from './routes.js';

export interface Asker {
  ask(name: QueryName, params: Record<string, unknown>): Promise<QueryAnswer>;
}

const json = (status: number, value: unknown): HttpAnswer => ({ status, body: JSON.stringify(value) });

/**
 * The `/v1/` endpoints: GET only, each parameter once, checked here (400 with what is wrong)
 * before the recorder is asked; the recorder's JSON and status pass through untouched.
 */
export function queryHandler(asker: Asker, openapiPath?: string): HttpHandler {
  return async (req, url) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: `${req.method} is not allowed: GET` });
    if (url.pathname === '/v1/openapi.yaml' && openapiPath) {
      return { status: 200, type: 'application/yaml', body: readFileSync(openapiPath, 'utf8') };
    }
    const r = route(url.pathname);
    if (!r) return json(404, { error: `no such endpoint: ${url.pathname}` });
    const params: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      if (!Object.hasOwn(params, k)) params[k] = v;
      else if (REPEATABLE[r.query]?.includes(k)) params[k] = [params[k] as string | string[], v].flat();
      else return json(400, { error: `parameter ${JSON.stringify(k)} given more than once` });
    }
    Object.assign(params, r.pathParams);
    try {
      parseParams(r.query, params);
    } catch (err) {
      if (err instanceof QueryError) return json(err.status, { error: err.message });
      throw err;
    }
    return asker.ask(r.query, params);
  };
}
