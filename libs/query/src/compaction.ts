import type { Logger } from '@elava/log';
import { compactBefore, parseSelector, type RetentionOutcome, type Store } from '@elava/store';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';

/**
 * Compaction on request, answered by the process holding the store (the recorder), so history is
 * trimmed while it keeps recording: `elava compact --retain 90d` asks here when the store is in use.
 * The request is `{"retain": "90d"}`; the reply `{"outcome": …}` or `{"error": …}` once it is done.
 */
export const COMPACT_SUBJECT = 'elava.admin.compact';
const QUEUE = 'elava-recorder';
const AGE = /^\d+(\.\d+)?[smhdw]$/;

export type CompactReply = { outcome: RetentionOutcome } | { error: string };

/** The age `--retain` and the request take: a number and a unit, never a revision or a time. */
export function checkRetain(retain: unknown): string | null {
  return typeof retain === 'string' && AGE.test(retain)
    ? null
    : `retain takes an age such as 90d or 12w, not ${JSON.stringify(retain)}`;
}

export function serveCompaction(
  nc: NatsConnection,
  store: Store,
  log: Logger,
  subject = COMPACT_SUBJECT,
): Subscription {
  return nc.subscribe(subject, {
    queue: QUEUE,
    callback: (err, msg) => {
      if (err) {
        log.warn({ err: err.message }, 'compaction subscription error');
        return;
      }
      // The connection may be draining by the time a long compaction ends: the asker then times out.
      void answer(msg.data)
        .then((reply) => msg.respond(JSON.stringify(reply)))
        .catch((e: Error) => log.warn({ err: e.message }, 'could not answer a compaction request'));
    },
  });

  async function answer(data: Uint8Array): Promise<CompactReply> {
    let retain: unknown;
    try {
      retain = (JSON.parse(new TextDecoder().decode(data)) as { retain?: unknown }).retain;
    } catch {
      return { error: 'the request is not JSON' };
    }
    const bad = checkRetain(retain);
    if (bad) return { error: bad };
    try {
      const cutoff = parseSelector(retain as string) as Date;
      log.info({ retain, cutoff: cutoff.toISOString() }, 'compaction requested');
      const outcome = await compactBefore(store, cutoff);
      log.info(outcome, outcome.compacted ? 'compacted' : 'nothing to compact');
      return { outcome };
    } catch (e) {
      log.error({ err: (e as Error).message, retain }, 'compaction failed');
      return { error: (e as Error).message };
    }
  }
}

/** Asks the store's holder to compact and waits for the outcome (compactions of large stores take minutes). */
export async function requestCompaction(
  nc: NatsConnection,
  retain: string,
  timeoutMs: number,
  subject = COMPACT_SUBJECT,
): Promise<CompactReply> {
  const reply = await nc.request(subject, JSON.stringify({ retain }), { timeout: timeoutMs });
  return reply.json<CompactReply>();
}
