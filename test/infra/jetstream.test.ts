import {
  consumeDurable,
  DEFAULT_RETENTION_MS,
  ensureStreams,
  jetstream,
  jetstreamManager,
  publishEvent,
  STREAMS,
} from '@elava/bus';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { silentLog, unique } from '../support/infra.js';
import { useTestStream } from '../support/test-stream.js';

const Event = z.object({ n: z.number().int() });

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('JetStream through a real NATS', () => {
  const t = useTestStream('ELAVA_TEST', 'test');
  const { stream, subject } = t;

  it('creates the contract streams idempotently', async () => {
    await ensureStreams(t.nc);
    await ensureStreams(t.nc);
    const jsm = await jetstreamManager(t.nc);
    for (const def of STREAMS) {
      const info = await jsm.streams.info(def.name);
      expect(info.config.subjects).toEqual(def.subjects);
    }
  });

  it('keeps messages for nats.retention: a new stream a week, an existing one brought to the configured age', async () => {
    const jsm = await jetstreamManager(t.nc);
    const name = unique('ELAVA_RETAIN').replace(/-/g, '_');
    const def = [{ name, subjects: [`elava.retain.${name}.>`] }];
    try {
      const age = async () => (await jsm.streams.info(name)).config.max_age / 1e6;
      await ensureStreams(t.nc, def);
      expect(await age()).toBe(DEFAULT_RETENTION_MS);
      await ensureStreams(t.nc, def, { maxAgeMs: 3_600_000 });
      expect(await age()).toBe(3_600_000);
      // A command without the configuration (a listing's --follow) leaves the age as it is.
      await ensureStreams(t.nc, def);
      expect(await age()).toBe(3_600_000);
      await ensureStreams(t.nc, def, { maxAgeMs: 0 });
      expect(await age()).toBe(0);
    } finally {
      await jsm.streams.delete(name);
    }
  });

  it('drops a re-published message id, and a durable consumer resumes where it stopped', async () => {
    const js = jetstream(t.nc);
    const first = await publishEvent(js, `${subject}.a`, { n: 1 }, 'id-1');
    const again = await publishEvent(js, `${subject}.a`, { n: 1 }, 'id-1');
    expect(again).toMatchObject({ duplicate: true, seq: first.seq });
    for (let n = 2; n <= 3; n++) await publishEvent(js, `${subject}.a`, { n }, `id-${n}`);

    const seen: number[] = [];
    const durable = unique('durable');
    const c1 = await consumeDurable(t.nc, {
      stream,
      durable,
      schema: Event,
      log: silentLog,
      handler: async ({ n }) => {
        seen.push(n);
      },
    });
    await until(() => seen.length >= 3);
    await c1.stop();
    expect(seen).toEqual([1, 2, 3]);

    // Published while no consumer runs: the durable picks them up, and nothing acked comes back.
    for (let n = 4; n <= 5; n++) await publishEvent(js, `${subject}.a`, { n }, `id-${n}`);
    await publishEvent(js, `${subject}.a`, { n: 'six' }, 'id-poison');
    await publishEvent(js, `${subject}.a`, { n: 7 }, 'id-7');

    // A handler that fails once gets the message again; the poison message never reaches a handler.
    let failedOnce = false;
    const c2 = await consumeDurable(t.nc, {
      stream,
      durable,
      schema: Event,
      log: silentLog,
      retryDelayMs: 50,
      handler: async ({ n }) => {
        if (n === 7 && !failedOnce) {
          failedOnce = true;
          throw new Error('transient');
        }
        seen.push(n);
      },
    });
    await until(() => seen.includes(7));
    await c2.stop();
    expect(seen).toEqual([1, 2, 3, 4, 5, 7]);
    expect(failedOnce).toBe(true);
    const jsm = await jetstreamManager(t.nc);
    const info = await jsm.consumers.info(stream, durable);
    expect(info.num_pending).toBe(0);
    expect(info.num_ack_pending).toBe(0);
  });
});
