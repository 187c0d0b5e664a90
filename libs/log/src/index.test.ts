import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from './index.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  it('writes JSON with the service name and hides webhooks and keys at any depth', async () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'notifier', destination });
    const hook = 'https://hooks.slack.com/services/T000/B000/XXXXSECRET';
    log.info({ config: { actions: { notifications: { slack: { webhook: hook } } } } }, 'loaded');
    log.info({ creds: { secretAccessKey: 'abc', sessionToken: 'tok' } }, 'assumed');
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ service: 'notifier', level: 'info', msg: 'loaded' });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('XXXXSECRET');
    expect(text).not.toContain('"abc"');
    expect(text).not.toContain('"tok"');
    expect(text).toContain('[redacted]');
  });

  it('masks credentials inside URLs', () => {
    expect(redactUrl('redis://user:hunter2@127.0.0.1:6379/0')).not.toContain('hunter2');
    expect(redactUrl('https://hooks.slack.com/services/T/B/SECRET')).toBe('https://hooks.slack.com/***');
    expect(redactUrl('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
  });
});
