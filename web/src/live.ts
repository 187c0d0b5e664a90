import { createParser } from 'eventsource-parser';
import { useEffect, useState } from 'preact/hooks';
import { authHeaders, type Params, UNAUTHORIZED, withParams } from './api';

export type LiveState = 'connecting' | 'live' | 'retrying';

/**
 * The API's server-sent events (`/v1/events/changes`) read with fetch rather than EventSource, so
 * the bearer token goes in a header and never in an address; reconnects after 3 s when cut.
 */
export function useLive(
  params: Params,
  on: { change?: (data: unknown) => void; decision?: (data: unknown) => void },
): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const key = JSON.stringify(params);
  useEffect(() => {
    const ctl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = async () => {
      setState('connecting');
      try {
        const res = await fetch(withParams('/v1/events/changes', params), {
          headers: { accept: 'text/event-stream', ...authHeaders() },
          signal: ctl.signal,
          cache: 'no-store',
        });
        if (res.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED));
        if (!res.ok || !res.body) throw new Error(`live feed: ${res.status}`);
        setState('live');
        const parser = createParser({
          onEvent: (e) => {
            let data: unknown;
            try {
              data = JSON.parse(e.data);
            } catch {
              return;
            }
            if (e.event === 'change') on.change?.(data);
            else if (e.event === 'decision') on.decision?.(data);
          },
        });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
        throw new Error('live feed ended');
      } catch {
        if (ctl.signal.aborted) return;
        setState('retrying');
        timer = setTimeout(() => void connect(), 3_000);
      }
    };
    void connect();
    return () => {
      ctl.abort();
      clearTimeout(timer);
    };
  }, [key]);
  return state;
}
