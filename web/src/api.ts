/**
 * The UI's one way to the API: same origin, `Authorization: Bearer` from this tab's session when a
 * token was given. The token arrives once as a `#token=` fragment (never sent to a server, removed
 * from the address bar at once so it is not copied with a link) or through the sign-in prompt, and
 * lives in sessionStorage: this tab only, gone when it closes, never sent by the browser on its own
 * (no cookie, so no cross-site request can use it).
 */
const KEY = 'elava.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function takeTokenFromFragment(): void {
  const m = /^#token=(.+)$/.exec(location.hash);
  if (!m) return;
  setToken(decodeURIComponent(m[1] as string));
  history.replaceState(history.state, '', location.pathname + location.search);
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
}

export function authHeaders(): Record<string, string> {
  const t = sessionStorage.getItem(KEY);
  return t ? { authorization: `Bearer ${t}` } : {};
}

/** Fired when the API refuses this tab's token (or its lack of one): the app asks for one. */
export const UNAUTHORIZED = 'elava:unauthorized';

export type Params = Record<string, string | undefined | null>;

export function withParams(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export async function get<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
  const res = await fetch(withParams(path, params), {
    headers: { accept: 'application/json', ...authHeaders() },
    signal,
  });
  if (res.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED));
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(res.status, `${res.status} ${res.statusText}: ${text.slice(0, 200)}`);
  }
  if (!res.ok) throw new ApiError(res.status, (body as { error?: string }).error ?? `${res.status} ${res.statusText}`);
  return body as T;
}
