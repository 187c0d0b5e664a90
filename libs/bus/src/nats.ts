import type { Logger } from '@elava/log';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import type { z } from 'zod';
import { STREAMS, type StreamDefinition } from './subjects.js';
import { InvalidMessageError, parseMessage } from './validate.js';

export type { NatsConnection } from '@nats-io/transport-node';

/**
 * The servers of a `nats.url` (comma-separated) and the credentials written into it
 * (`nats://user:password@host:4222`, or `nats://token@host:4222`): the client ignores credentials
 * in a server URL, so a cluster in a NATS account of its own could not log in without this.
 */
export function natsConnectOptions(url: string): { servers: string[]; user?: string; pass?: string; token?: string } {
  const out: { servers: string[]; user?: string; pass?: string; token?: string } = { servers: [] };
  for (const raw of url
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean)) {
    const withScheme = /^[a-z]+:\/\//i.test(raw) ? raw : `nats://${raw}`;
    let u: URL;
    try {
      u = new URL(withScheme);
    } catch {
      out.servers.push(raw);
      continue;
    }
    if (u.username) {
      const user = decodeURIComponent(u.username);
      if (u.password) {
        out.user = user;
        out.pass = decodeURIComponent(u.password);
      } else out.token = user;
    }
    out.servers.push(`${u.protocol}//${u.host}`);
  }
  return out;
}

export async function connectNats(url: string, name: string, log?: Logger): Promise<NatsConnection> {
  const nc = await connect({
    ...natsConnectOptions(url),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    // Otherwise every request and JetStream publish builds two Errors for their stack traces, a
    // fifth of the detector's CPU at thousands of publishes a second (bench/pipeline).
    noAsyncTraces: true,
  });
  if (log) {
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
          log.warn({ nats: s.type }, 'nats connection status');
        }
      }
    })();
  }
  return nc;
}

function isApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

export interface StreamOptions {
  /** How long JetStream remembers message ids to drop re-publishes. */
  duplicateWindowMs?: number;
  /**
   * How long a stream keeps a message (`nats.retention`; 0 keeps every message). Given, an existing
   * stream is brought to it; absent (a command without the cluster's configuration), a new stream
   * gets DEFAULT_RETENTION_MS and an existing one keeps what it has.
   */
  maxAgeMs?: number;
}

/** `nats.retention`'s default: a week of changes, decisions and trail on NATS (the store keeps all). */
export const DEFAULT_RETENTION_MS = 7 * 86_400_000;

/**
 * Creates the streams, or brings an existing one to the wanted subjects and windows. Safe to
 * call from every service at start.
 */
export async function ensureStreams(
  nc: NatsConnection,
  defs: readonly StreamDefinition[] = STREAMS,
  opts: StreamOptions = {},
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const def of defs) {
    const wanted = {
      subjects: def.subjects,
      duplicate_window: nanos(opts.duplicateWindowMs ?? 60 * 60_000),
      max_age: nanos(opts.maxAgeMs ?? DEFAULT_RETENTION_MS),
    };
    try {
      const info = await jsm.streams.info(def.name);
      if (opts.maxAgeMs === undefined) wanted.max_age = info.config.max_age;
      const same =
        info.config.subjects.join() === wanted.subjects.join() &&
        info.config.duplicate_window === wanted.duplicate_window &&
        info.config.max_age === wanted.max_age;
      if (!same) await jsm.streams.update(def.name, { ...info.config, ...wanted });
    } catch (err) {
      if (!isApiError(err, JetStreamApiCodes.StreamNotFound)) throw err;
      await jsm.streams.add({
        name: def.name,
        ...wanted,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
      });
    }
  }
}

export interface Published {
  stream: string;
  seq: number;
  /** True when JetStream had this message id already and kept the first copy. */
  duplicate: boolean;
}

/** Publishes JSON with a message id, so a re-publish after a crash is dropped by the stream. */
export async function publishEvent(
  js: JetStreamClient,
  subject: string,
  payload: unknown,
  msgID: string,
): Promise<Published> {
  const ack = await js.publish(subject, JSON.stringify(payload), { msgID });
  return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
}

export interface DurableConsumerOptions<T> {
  stream: string;
  durable: string;
  filterSubjects?: string[];
  schema: z.ZodType<T>;
  log: Logger;
  /** Throwing makes the message come back after `retryDelayMs`. */
  handler: (data: T, msg: JsMsg) => Promise<void>;
  ackWaitMs?: number;
  maxDeliver?: number;
  retryDelayMs?: number;
  /** Where a new durable starts; an existing one resumes where it left off. */
  deliver?: 'all' | 'new';
  /**
   * Handlers in flight at once (1 by default, which keeps stream order). More lets a handler wait
   * for others, as the notifier does to gather a digest; each message is still acked only after
   * its own handler succeeded.
   */
  concurrency?: number;
}

export interface RunningConsumer {
  stop(): Promise<void>;
  /** Resolves when the loop has ended (after stop, or on a fatal error). */
  done: Promise<void>;
}

/**
 * A durable pull consumer: resumes where it left off across restarts, acks only after the
 * handler succeeded, and terminates (never redelivers) a message that fails validation.
 */
export async function consumeDurable<T>(nc: NatsConnection, opts: DurableConsumerOptions<T>): Promise<RunningConsumer> {
  const jsm = await jetstreamManager(nc);
  const config = {
    durable_name: opts.durable,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(opts.ackWaitMs ?? 30_000),
    max_deliver: opts.maxDeliver ?? -1,
    deliver_policy: opts.deliver === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
    ...(opts.filterSubjects && opts.filterSubjects.length === 1 ? { filter_subject: opts.filterSubjects[0] } : {}),
    ...(opts.filterSubjects && opts.filterSubjects.length > 1 ? { filter_subjects: opts.filterSubjects } : {}),
  };
  try {
    await jsm.consumers.info(opts.stream, opts.durable);
  } catch (err) {
    if (!isApiError(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
    await jsm.consumers.add(opts.stream, config);
  }
  const js = jetstream(nc);
  const consumer = await js.consumers.get(opts.stream, opts.durable);
  const messages = await consumer.consume({ max_messages: 256 });
  const where = `${opts.stream}/${opts.durable}`;
  const inflight = new Set<Promise<void>>();
  const limit = Math.max(1, opts.concurrency ?? 1);
  const handle = async (data: T, m: JsMsg) => {
    try {
      await opts.handler(data, m);
      // Wait for the server to confirm, so "handled" and "acknowledged" never drift apart.
      await m.ackAck();
    } catch (err) {
      opts.log.warn({ consumer: where, seq: m.seq, err: (err as Error).message }, 'handler failed; will redeliver');
      m.nak(opts.retryDelayMs ?? 1_000);
    }
  };
  const done = (async () => {
    for await (const m of messages) {
      let data: T;
      try {
        data = parseMessage(opts.schema, m.json(), `${where} subject ${m.subject} seq ${m.seq}`);
      } catch (err) {
        const problems = err instanceof InvalidMessageError ? err.problems : [(err as Error).message];
        opts.log.error({ consumer: where, subject: m.subject, seq: m.seq, problems }, 'dropped invalid message');
        // No reason string: nats-server before 2.10 (Debian 12 ships 2.9) ignores "+TERM <reason>".
        m.term();
        continue;
      }
      if (limit === 1) {
        await handle(data, m);
        continue;
      }
      const p: Promise<void> = handle(data, m).finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= limit) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  })();
  return {
    done,
    async stop() {
      await messages.close();
      await done;
    },
  };
}

export type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
export { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
