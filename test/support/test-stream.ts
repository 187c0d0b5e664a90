import { connectNats, ensureStreams, jetstreamManager, type NatsConnection } from '@elava/bus';
import { afterAll, beforeAll } from 'vitest';
import { infra, unique } from './infra.js';

/**
 * A JetStream stream of the test's own (`<name>_<unique>` taking `elava.<tag>.<stream>.>`), made
 * before the file's tests and deleted after them, with its own connection.
 */
export function useTestStream(name: string, tag: string) {
  const stream = unique(name).replace(/-/g, '_');
  const t = { nc: undefined as unknown as NatsConnection, stream, subject: `elava.${tag}.${stream}` };
  beforeAll(async () => {
    t.nc = await connectNats(infra().nats, 'elava-test');
    await ensureStreams(t.nc, [{ name: stream, subjects: [`${t.subject}.>`] }], { duplicateWindowMs: 60_000 });
  });
  afterAll(async () => {
    const jsm = await jetstreamManager(t.nc);
    await jsm.streams.delete(stream);
    await t.nc.drain();
  });
  return t;
}
