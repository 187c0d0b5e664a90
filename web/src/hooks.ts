import { useCallback, useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { get, type Params } from './api';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** One GET, again whenever the path or parameters change; a newer request cancels an older one. */
export function useApi<T>(path: string | null, params: Params = {}): Loaded<T> {
  const key = path ? `${path}?${JSON.stringify(params)}` : '';
  const [state, setState] = useState<{ key: string; data: T | null; error: string | null; loading: boolean }>({
    key: '',
    data: null,
    error: null,
    loading: Boolean(path),
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!path) return;
    const ctl = new AbortController();
    setState((s) => ({ ...s, key, loading: true, error: null }));
    get<T>(path, params, ctl.signal).then(
      (data) => setState({ key, data, error: null, loading: false }),
      (err: Error) => {
        if (err.name !== 'AbortError') setState({ key, data: null, error: err.message, loading: false });
      },
    );
    return () => ctl.abort();
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.key === key ? state.data : null, error: state.error, loading: state.loading, reload };
}

/** The page's state lives in the address (shareable links): read it, and go to a changed copy. */
export function useQueryState(): [Record<string, string>, (changes: Params, replace?: boolean) => void] {
  const { path, query, route } = useLocation();
  const set = useCallback(
    (changes: Params, replace = false) => {
      const q = new URLSearchParams(query);
      for (const [k, v] of Object.entries(changes)) {
        if (v === undefined || v === null || v === '') q.delete(k);
        else q.set(k, v);
      }
      const s = q.toString();
      route(s ? `${path}?${s}` : path, replace);
    },
    [path, query, route],
  );
  return [query, set];
}
