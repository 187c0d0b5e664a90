import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '@elava/log';
import { Notifier, post, type SlackMessage } from '@elava/notifier';
import type { AuditEntryDraft, Decision } from '@elava/types';
import { afterEach, describe, expect, it } from 'vitest';

/** A local stand-in for Slack's incoming webhook: records posts, answers what the test says. */
async function webhook(answer: (n: number) => { status: number; headers?: Record<string, string> }) {
  const posts: SlackMessage[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      posts.push(JSON.parse(body) as SlackMessage);
      const a = answer(posts.length);
      res.writeHead(a.status, a.headers).end(a.status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/SECRET`, posts };
}
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

const decision = (n: number, over: Partial<Decision> = {}): Decision => ({
  id: `d${n}`,
  store: 'a1b2c3d4e5f6',
  action: 'alert',
  severity: 'critical',
  resource: {
    id: `aws:123456789012:us-east-1:ec2.security_group:sg-${n}`,
    type: 'ec2.security_group',
    account: '123456789012',
    region: 'us-east-1',
    tags: {},
  },
  reason: `security group sg-${n} is open to 0.0.0.0/0 on port 22`,
  policy: { package: 'elava.security', rule: 'deny' },
  revision: 4,
  time: '2026-11-22T10:00:00Z',
  metadata: { suggestion: 'limit the rule' },
  ...over,
});

function harness(url: string, digestThreshold = 3) {
  const trail: AuditEntryDraft[] = [];
  const lines: string[] = [];
  const log = createLogger({
    service: 'notifier-test',
    destination: new Writable({
      write: (c, _e, cb) => {
        lines.push(String(c));
        cb();
      },
    }),
  });
  const notifier = new Notifier(
    { channels: { critical: '#ops-critical', info: '#ops-digest' }, digestThreshold, windowMs: 50 },
    {
      post: (m) => post(url, m, { baseDelayMs: 20, attempts: 3, timeoutMs: 2_000 }),
      audit: async (entries) => void trail.push(...entries.map((e) => ({ ...e.draft, key: e.key }))),
    },
    log,
  );
  return { notifier, trail, lines };
}

describe('notifier', () => {
  it('posts a few decisions in full as Block Kit to the severity channel and records each as executed', async () => {
    const hook = await webhook(() => ({ status: 200 }));
    const { notifier, trail } = harness(hook.url);
    await Promise.all([
      notifier.accept(decision(1)),
      notifier.accept(decision(2, { reason: 'open to <!channel> & more' })),
      notifier.accept(decision(3, { action: 'protect' })),
    ]);
    expect(hook.posts).toHaveLength(1);
    const body = hook.posts[0] as SlackMessage;
    expect(body.channel).toBe('#ops-critical');
    expect(body.text).toMatch(/^Elava critical: 2 decisions\n/);
    expect(body.blocks?.map((b) => b.type)).toEqual(['header', 'section', 'context', 'section', 'context']);
    const text = JSON.stringify(body.blocks);
    expect(text).toContain('security group sg-1 is open to 0.0.0.0/0 on port 22');
    expect(text).toContain('> limit the rule');
    expect(text).toContain('open to &lt;!channel&gt; &amp; more');
    expect(text).toContain('`elava why d1`');
    expect(text).toContain('`elava why d2`');
    expect(text).not.toContain('d3');
    expect(trail.map((e) => [e.type, e.data.decision_id, e.data.digest])).toEqual([
      ['executed', 'd1', false],
      ['executed', 'd2', false],
    ]);
  });

  it('splits what exceeds the 50-block limit into several posts, every decision in exactly one', async () => {
    const hook = await webhook(() => ({ status: 200 }));
    const { notifier, trail } = harness(hook.url, 1_000);
    await Promise.all(Array.from({ length: 60 }, (_, i) => notifier.accept(decision(i))));
    expect(hook.posts.length).toBeGreaterThanOrEqual(3);
    for (const [k, p] of hook.posts.entries()) {
      expect(p.blocks?.length).toBeLessThanOrEqual(50);
      expect(p.text).toContain(`(${k + 1}/${hook.posts.length})`);
    }
    const ids = hook.posts.flatMap((p) => [...JSON.stringify(p.blocks).matchAll(/elava why (d\d+)/g)].map((m) => m[1]));
    expect(ids.sort()).toEqual(Array.from({ length: 60 }, (_, i) => `d${i}`).sort());
    expect(trail.filter((e) => e.type === 'executed')).toHaveLength(60);
  });

  it('gathers many decisions into one digest that lists each finding', async () => {
    const hook = await webhook(() => ({ status: 200 }));
    const { notifier, trail } = harness(hook.url, 3);
    await Promise.all(Array.from({ length: 12 }, (_, i) => notifier.accept(decision(i))));
    expect(hook.posts).toHaveLength(1);
    expect(hook.posts[0]?.text).toMatch(/^Elava: 12 decisions \(12 critical\)/);
    const blocks = JSON.stringify(hook.posts[0]?.blocks);
    for (let i = 0; i < 12; i++) {
      expect(blocks).toContain(`\`sg-${i}\``);
      expect(blocks).toContain(`security group sg-${i} is open`);
    }
    expect(trail.filter((e) => e.type === 'executed' && e.data.digest === 12)).toHaveLength(12);
  });

  it('retries a failing webhook with backoff, then records failed, never naming the URL', async () => {
    const hook = await webhook(() => ({ status: 503 }));
    const { notifier, trail, lines } = harness(hook.url);
    await notifier.accept(decision(1));
    expect(hook.posts).toHaveLength(3);
    expect(trail).toEqual([
      expect.objectContaining({
        type: 'failed',
        data: expect.objectContaining({ decision_id: 'd1', attempts: 3, status: 503 }),
      }),
    ]);
    const everything = JSON.stringify(trail) + lines.join('');
    expect(everything).toContain('notification failed after retries');
    expect(everything).not.toContain('SECRET');
  });

  it('waits as a 429 asks and then succeeds; does not retry a 404', async () => {
    const limited = await webhook((n) =>
      n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 },
    );
    const started = Date.now();
    expect(await post(limited.url, { text: 'x' }, { baseDelayMs: 10 })).toMatchObject({ ok: true, attempts: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const gone = await webhook(() => ({ status: 404 }));
    expect(await post(gone.url, { text: 'x' }, { baseDelayMs: 10 })).toMatchObject({
      ok: false,
      attempts: 1,
      status: 404,
    });
    expect(await post('http://127.0.0.1:9/x', { text: 'x' }, { baseDelayMs: 1, attempts: 2 })).toMatchObject({
      ok: false,
      attempts: 2,
      error: expect.stringMatching(/^webhook unreachable: /),
    });
  });

  it('in dry-run posts as usual, every message marked as a dry run', async () => {
    const hook = await webhook(() => ({ status: 200 }));
    const { notifier, trail } = harness(hook.url);
    await notifier.accept(decision(1, { metadata: { dry_run: true } }));
    expect(hook.posts).toHaveLength(1);
    const body = hook.posts[0] as { text: string; blocks: unknown[] };
    expect(body.text).toMatch(/dry run/);
    expect(JSON.stringify(body.blocks)).toMatch(/dry run/);
    expect(trail.map((e) => e.type)).toEqual(['executed']);
  });
});
