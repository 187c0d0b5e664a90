import type { QueryName } from '@elava/query';

export interface Route {
  query: QueryName;
  /** Taken from the path, joined with the query string's parameters. */
  pathParams: Record<string, string>;
}

const RESOURCE = /^\/v1\/resources\/(.+?)(\/history|\/diff)?$/;
const WHY = /^\/v1\/decisions\/([A-Za-z0-9_-]+)\/why$/;

/** Maps a `/v1/...` path to its query; null when nothing lives there. */
export function route(pathname: string): Route | null {
  const path = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  switch (path) {
    case '/v1/resources':
      return { query: 'resources', pathParams: {} };
    case '/v1/changes':
      return { query: 'changes', pathParams: {} };
    case '/v1/diff':
      return { query: 'diff', pathParams: {} };
    case '/v1/decisions':
      return { query: 'decisions', pathParams: {} };
    case '/v1/audit':
      return { query: 'audit', pathParams: {} };
    case '/v1/audit/verify':
      return { query: 'verify', pathParams: {} };
    case '/v1/status':
      return { query: 'status', pathParams: {} };
    case '/v1/stats':
      return { query: 'stats', pathParams: {} };
  }
  const why = WHY.exec(path);
  if (why) return { query: 'why', pathParams: { id: why[1] as string } };
  const m = RESOURCE.exec(path);
  if (!m) return null;
  let id: string;
  try {
    id = decodeURIComponent(m[1] as string);
  } catch {
    return null;
  }
  return { query: m[2] === '/history' ? 'history' : m[2] === '/diff' ? 'compare' : 'resource', pathParams: { id } };
}
