import {
  connectNats,
  consumeDurable,
  ensureStreams,
  type JsMsg,
  jetstreamManager,
  type NatsConnection,
} from '@elava/bus';
import { afterAll, beforeAll } from 'vitest';
import { z } from 'zod';
import { infra, silentLog, unique } from './infra.js';

/**
 * The common stage of the pipeline tests: credentials moto accepts, a NATS connection with the
 * contract streams, a seeded moto, and clean-up in reverse order of set-up.
 */
export function useStage(seed: () => Promise<void>) {
  const closers: (() => Promise<unknown>)[] = [];
  let nc: NatsConnection | undefined;
  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'testing';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
    await seed();
    nc = await connectNats(infra().nats, 'elava-test');
    await ensureStreams(nc);
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
    await nc?.drain();
  });
  return {
    get nc(): NatsConnection {
      if (!nc) throw new Error('the stage is not set up yet');
      return nc;
    },
    defer(close: () => Promise<unknown>): void {
      closers.push(close);
    },
  };
}

/** Collects what a stream receives from now on that `pick` keeps (a fresh durable, deliver new). */
export async function watchStream<T>(
  stage: ReturnType<typeof useStage>,
  stream: string,
  pick: (item: T, msg: JsMsg) => boolean,
): Promise<T[]> {
  const seen: T[] = [];
  const durable = unique('watch');
  const consumer = await consumeDurable(stage.nc, {
    stream,
    durable,
    deliver: 'new',
    schema: z.custom<T>(),
    log: silentLog,
    handler: async (item, msg) => {
      if (pick(item, msg)) seen.push(item);
    },
  });
  stage.defer(async () => {
    await consumer.stop();
    // A durable outlives its connection: left behind, every later message of the stream is kept
    // pending for it, and the server matches each new one against all of them.
    await (await jetstreamManager(stage.nc)).consumers.delete(stream, durable).catch(() => {});
  });
  return seen;
}
