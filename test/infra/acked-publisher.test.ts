import { AckedPublisher, jetstreamManager, PublishError } from '@elava/bus';
import { describe, expect, it } from 'vitest';
import { useTestStream } from '../support/test-stream.js';

describe('AckedPublisher through a real NATS', () => {
  const t = useTestStream('ELAVA_ACKED', 'acked');
  const { stream, subject } = t;

  it('stores every message of a batch larger than its window, in order, each once', async () => {
    const publisher = new AckedPublisher(t.nc, { window: 64 });
    const messages = Array.from({ length: 300 }, (_, i) => ({
      subject: `${subject}.a`,
      data: JSON.stringify({ n: i }),
      msgID: `m-${i}`,
    }));
    const acks = await publisher.publish(messages);
    expect(acks).toHaveLength(300);
    expect(acks.every((a) => a.stream === stream && !a.duplicate)).toBe(true);
    // In the order given: sequence numbers climb one by one.
    expect(acks.map((a) => a.seq - (acks[0]?.seq ?? 0))).toEqual(messages.map((_, i) => i));
    // Again (a retried revision): every one a duplicate of the first copy, nothing stored twice.
    const again = await publisher.publish(messages.slice(0, 10));
    expect(again.every((a, i) => a.duplicate && a.seq === acks[i]?.seq)).toBe(true);
    const jsm = await jetstreamManager(t.nc);
    expect((await jsm.streams.info(stream)).state.messages).toBe(300);
    const first = await jsm.streams.getMessage(stream, { seq: acks[7]?.seq ?? 0 });
    expect(first?.json()).toEqual({ n: 7 });
    // The id travels as the header JetStream reads (its pre-encoded block).
    expect(first?.header.get('Nats-Msg-Id')).toBe('m-7');
    publisher.close();
  });

  it('refuses a message id that cannot be a header, publishing nothing of its window', async () => {
    const publisher = new AckedPublisher(t.nc);
    const jsm = await jetstreamManager(t.nc);
    const before = (await jsm.streams.info(stream)).state.messages;
    const bad = [{ subject: `${subject}.h`, data: '{}', msgID: 'x\r\nNats-Expected-Stream: other' }];
    await expect(publisher.publish(bad)).rejects.toThrow(
      /message id "x\\r\\nNats-Expected-Stream: other" is empty, padded or has a line break/,
    );
    await expect(publisher.publish([{ ...bad[0], msgID: '' }] as typeof bad)).rejects.toThrow(PublishError);
    expect((await jsm.streams.info(stream)).state.messages).toBe(before);
    publisher.close();
  });

  it('publishes a window again with an ack each when part of it was stored before, and stores nothing twice', async () => {
    const publisher = new AckedPublisher(t.nc, { window: 100 });
    const messages = Array.from({ length: 100 }, (_, i) => ({
      subject: `${subject}.p`,
      data: JSON.stringify({ n: i }),
      msgID: `p-${i}`,
    }));
    const jsm = await jetstreamManager(t.nc);
    const count = async () => (await jsm.streams.info(stream)).state.messages;
    // A retried revision whose first attempt stored the middle of the window only.
    const before = await publisher.publish(messages.slice(40, 60));
    const stored = await count();
    const acks = await publisher.publish(messages);
    // Its ends were new, the middle not: the sequences do not add up, so each message was asked
    // about (the copies its own first try stored among them, which then say `duplicate`).
    expect(acks.slice(40, 60).map((a) => a.seq)).toEqual(before.map((a) => a.seq));
    expect(acks.slice(40, 60).every((a) => a.duplicate)).toBe(true);
    expect(await count()).toBe(stored + 80);
    for (const i of [0, 39, 60, 99]) {
      const m = await jsm.streams.getMessage(stream, { seq: acks[i]?.seq ?? 0 });
      expect(m?.json()).toEqual({ n: i });
    }
    publisher.close();
  });

  it('finds a message in the middle of a window that no stream took, though the ends were stored', async () => {
    const publisher = new AckedPublisher(t.nc);
    const nowhere = `elava.nowhere.${stream}`;
    const messages = Array.from({ length: 10 }, (_, i) => ({
      subject: i === 5 ? nowhere : `${subject}.m`,
      data: '{}',
      msgID: `mid-${i}`,
    }));
    const err = await publisher.publish(messages).catch((e) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect(err.message).toContain(nowhere);
    expect(err.msgID).toBe('mid-5');
    publisher.close();
  });

  it('fails, naming the subject, when no stream takes it', async () => {
    const publisher = new AckedPublisher(t.nc);
    const nowhere = `elava.nowhere.${stream}`;
    const err = await publisher.publish([{ subject: nowhere, data: '{}', msgID: 'x-1' }]).catch((e) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect(err.message).toContain(nowhere);
    publisher.close();
  });

  it('fails a window whose acks do not come in time, and says how many are missing', async () => {
    // A subject a plain subscriber answers nothing on: the publish goes out, no ack comes back.
    const silent = `elava.silent.${stream}`;
    const sub = t.nc.subscribe(silent, { callback: () => {} });
    const publisher = new AckedPublisher(t.nc, { timeoutMs: 300 });
    const err = await publisher
      .publish([
        { subject: silent, data: '{}', msgID: 's-1' },
        { subject: silent, data: '{}', msgID: 's-2' },
      ])
      .catch((e) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect(err.message).toMatch(/2 of 2 messages not acknowledged by JetStream within 300 ms/);
    sub.unsubscribe();
    publisher.close();
  });
});
