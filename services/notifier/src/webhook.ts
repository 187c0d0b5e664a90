import type { SlackMessage } from './message.js';

export interface PostResult {
  ok: boolean;
  status?: number;
  attempts: number;
  /** Never contains the webhook URL. */
  error?: string;
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  timeoutMs: number;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 1_000, timeoutMs: 10_000 };

/**
 * Posts to an incoming webhook, retrying what may pass (network errors, 429 with its Retry-After,
 * 5xx) with exponential backoff; a 4xx other than 429 will not pass and is not retried. The URL is
 * a secret: errors are reworded so it never reaches a log or the audit trail.
 */
export async function post(
  url: string,
  message: SlackMessage,
  retry: Partial<RetryPolicy> = {},
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<PostResult> {
  const r = { ...DEFAULT_RETRY, ...retry };
  let last: PostResult = { ok: false, attempts: 0 };
  for (let attempt = 1; attempt <= r.attempts; attempt++) {
    let wait = r.baseDelayMs * 2 ** (attempt - 1);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(r.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { ok: true, status: res.status, attempts: attempt };
      last = { ok: false, status: res.status, attempts: attempt, error: `webhook answered ${res.status}` };
      if (res.status !== 429 && res.status < 500) return last;
      const after = Number(res.headers.get('retry-after'));
      if (res.status === 429 && Number.isFinite(after) && after > 0) wait = Math.min(after * 1000, 60_000);
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${r.timeoutMs} ms` : (e.cause?.code ?? e.name);
      last = { ok: false, attempts: attempt, error: `webhook unreachable: ${why}` };
    }
    if (attempt < r.attempts) await sleep(wait);
  }
  return last;
}
