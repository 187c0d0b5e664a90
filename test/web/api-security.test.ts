import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { connectNats, type NatsConnection } from '@elava/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveFeed } from '../../services/api/src/live-feed.js';
import { freePort } from '../support/cluster.js';
import { infra, silentLog, tempDirFor, unique } from '../support/infra.js';
import { launchBrowser } from './browser.js';

const ROOT = resolve(import.meta.dirname, '../..');
const API = join(ROOT, 'services/api/dist/main.js');
const TOKEN = 'correct-horse-battery-staple-42';

interface ApiProcess {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

/** The api service as its own process, as `elava up` runs it, with a configuration of the test's own. */
function startApi(api: string, env: Record<string, string> = {}): ApiProcess {
  const dir = tempDirFor('elava-web-api-');
  const config = join(dir, 'elava.yaml');
  writeFileSync(
    config,
    [
      'version: "2.0"',
      `redis: { url: "${infra().redis}", prefix: ${unique('webapi')} }`,
      `nats: { url: "${infra().nats}" }`,
      api,
    ].join('\n'),
  );
  const child = spawn(process.execPath, [API], {
    env: { ...process.env, ELAVA_CONFIG: config, ELAVA_LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const s of [child.stdout, child.stderr]) s?.on('data', (b: Buffer) => lines.push(...String(b).split('\n')));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, lines, exited };
}

async function until(check: () => boolean, what: string, ms = 20_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The API and UI's protection, against the real process: loopback by default, a token required
 * (and refused without one) anywhere else, the token never logged, security headers on every
 * answer; and the live feed over a real NATS.
 */
describe('web UI and API: binding, token, headers, live feed', () => {
  let open: ApiProcess;
  let guarded: ApiProcess;
  let openBase: string;
  let guardedBase: string;
  let nc: NatsConnection;

  beforeAll(async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    open = startApi(`api: { port: ${p1} }`);
    // Bound to every address, with the token from the environment (`${VAR}` in the file).
    guarded = startApi(`api: { host: 0.0.0.0, port: ${p2}, auth_token: "\${WEB_TEST_TOKEN}" }`, {
      WEB_TEST_TOKEN: TOKEN,
    });
    openBase = `http://127.0.0.1:${p1}`;
    guardedBase = `http://127.0.0.1:${p2}`;
    await until(() => open.lines.some((l) => l.includes('web UI and query API ready')), 'the open api');
    await until(() => guarded.lines.some((l) => l.includes('web UI and query API ready')), 'the guarded api');
    nc = await connectNats(infra().nats, 'web-api-test');
  });
  afterAll(async () => {
    for (const p of [open, guarded]) p?.child.kill('SIGTERM');
    await Promise.all([open?.exited, guarded?.exited]);
    await nc?.close();
  });

  it('refuses to start bound beyond loopback without a token, saying what to set', async () => {
    const bare = startApi(`api: { host: 0.0.0.0, port: ${await freePort()} }`);
    expect(await bare.exited).toBe(2);
    expect(bare.lines.join('\n')).toMatch(/api\.host is 0\.0\.0\.0.*set api\.auth_token/);
    const short = startApi(`api: { host: 0.0.0.0, port: 0, auth_token: tooshort }`);
    expect(await short.exited).toBe(2);
    expect(short.lines.join('\n')).toMatch(/api\.auth_token: expected at least 16 characters/);
  });

  it('answers 401 without the token, and with it; the token is in no log line', async () => {
    const none = await fetch(`${guardedBase}/v1/status`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="elava"');
    const wrong = await fetch(`${guardedBase}/v1/status`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    // In the query string it counts for nothing: addresses end up in logs and histories.
    expect((await fetch(`${guardedBase}/v1/status?access_token=${TOKEN}`)).status).toBe(401);
    expect((await fetch(`${guardedBase}/metrics`)).status).toBe(401);
    const right = await fetch(`${guardedBase}/v1/resources?type=ec2.banana`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(right.status).toBe(400); // past the token: the parameters are checked
    const live = await fetch(`${guardedBase}/v1/events/changes`);
    expect(live.status).toBe(401);
    // The UI's page itself carries no data: it loads, and asks for the token.
    const page = await fetch(`${guardedBase}/changes?kind=tag_drift`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<script type="module" src="\/assets\/app-[A-Z0-9]+\.js"><\/script>/);
    expect((await fetch(`${guardedBase}/healthz`)).status).toBe(200);
    expect(guarded.lines.join('\n')).not.toContain(TOKEN);
    expect(guarded.lines.some((l) => l.includes('request without a valid token refused'))).toBe(true);
  });

  it('sends the security headers on every answer, and serves only the built files', async () => {
    for (const path of ['/', '/v1/status', '/healthz', '/nowhere/at/all', '/v1/nowhere']) {
      const res = await fetch(openBase + path);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('content-security-policy'), path).toMatch(/default-src 'none'; script-src 'self'/);
      expect(res.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
    const html = await (await fetch(`${openBase}/`)).text();
    const js = /src="(\/assets\/app-[A-Z0-9]+\.js)"/.exec(html)?.[1] as string;
    const asset = await fetch(openBase + js);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect((await fetch(`${openBase}/assets/..%2f..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${openBase}/assets/app-NOSUCH.js`)).status).toBe(404);
    expect((await fetch(`${openBase}/v1/status`, { method: 'POST' })).status).toBe(405);
  });

  it('streams published changes and decisions that match the filter, as server-sent events', async () => {
    const id = `aws:123456789012:eu-west-1:ec2.instance:i-${unique('live').replace(/[^a-z0-9]/g, '')}`;
    const other = 'aws:123456789012:us-east-1:ec2.instance:i-00000000';
    const ctl = new AbortController();
    const res = await fetch(`${openBase}/v1/events/changes?region=eu-west-1&tag=team=web`, { signal: ctl.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const read = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += value;
      }
    })().catch(() => {});
    await until(() => text.includes(': elava live feed'), 'the stream to open');
    const change = (rid: string, tags: Record<string, string>, n: number) => ({
      id: `chg-${n}`,
      type: 'tag_drift',
      store: 'a1b2c3d4e5f6',
      resource_id: rid,
      revision: 7,
      previous_revision: 6,
      time: new Date().toISOString(),
      diff: [{ path: 'tags.team', before: 'api', after: 'web' }],
      previous: { tags: { team: 'api' } },
      current: { tags },
      severity: 'warning',
    });
    nc.publish('elava.changes.tag_drift', JSON.stringify(change(other, { team: 'web' }, 1)));
    nc.publish('elava.changes.tag_drift', JSON.stringify(change(id, { team: 'api' }, 2)));
    nc.publish('elava.changes.tag_drift', JSON.stringify(change(id, { team: 'web' }, 3)));
    nc.publish(
      'elava.decisions.notify.warning',
      JSON.stringify({
        id: 'dec-live-1',
        action: 'notify',
        severity: 'warning',
        resource: { id, type: 'ec2.instance', account: '123456789012', region: 'eu-west-1', tags: { team: 'web' } },
        reason: 'tag drift',
        change: { id: 'chg-3', type: 'tag_drift' },
        revision: 7,
        time: new Date().toISOString(),
        metadata: {},
      }),
    );
    await until(() => text.includes('dec-live-1'), 'the decision on the stream');
    const events = text
      .split('\n\n')
      .filter((f) => f.startsWith('event: '))
      .map((f) => ({ event: /^event: (\w+)/.exec(f)?.[1], data: JSON.parse(/\ndata: (.*)$/m.exec(f)?.[1] ?? '{}') }));
    expect(events.map((e) => [e.event, e.data.id])).toEqual([
      ['change', 'chg-3'],
      ['decision', 'dec-live-1'],
    ]);
    // The feed's item is the listing's: no documents, with the version's tags.
    expect(events[0]?.data).toMatchObject({ resource_id: id, tags: { team: 'web' }, diff: change(id, {}, 0).diff });
    expect(events[0]?.data).not.toHaveProperty('current');
    ctl.abort();
    await read;
    const bad = await fetch(`${openBase}/v1/events/changes?kind=vanished`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/kind: unknown change type/);
  });

  it('keeps an idle stream open with comments, and lets go of its subscriptions when the client leaves', async () => {
    const feed = new LiveFeed(nc, silentLog, { heartbeatMs: 50 });
    const server = createServer((req, res) => feed.serve(req, res, {}, {}));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const ctl = new AbortController();
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { signal: ctl.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes(': keep-alive')) text += (await reader.read()).value ?? '';
    expect(feed.clients).toBe(1);
    ctl.abort();
    await until(() => feed.clients === 0, 'the stream to be let go');
    // Another client, then the server stops: closeAll ends it, so the server can close.
    const again = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await until(() => feed.clients === 1, 'the second client');
    feed.closeAll();
    expect(feed.clients).toBe(0);
    await again.body?.cancel();
    await new Promise((r) => server.close(r));
  });

  it('lets the browser in with the token from a #token= link or the sign-in prompt, kept in the tab only', async () => {
    const browser = await launchBrowser();
    try {
      // No recorder answers these API processes: "no recorder" means the request got past the token.
      const linked = await browser.newPage();
      await linked.goto(`${guardedBase}/changes?kind=tag_drift#token=${TOKEN}`);
      await linked.waitForSelector('.problem:has-text("no recorder is answering")');
      expect(linked.url()).toBe(`${guardedBase}/changes?kind=tag_drift`);
      expect(await linked.evaluate(() => sessionStorage.getItem('elava.token'))).toBe(TOKEN);
      expect(await linked.$('.signin')).toBeNull();
      await linked.close();

      const asked = await (await browser.newContext()).newPage();
      await asked.goto(`${guardedBase}/`);
      await asked.waitForSelector('.signin input[name=token]');
      await asked.fill('.signin input[name=token]', TOKEN);
      await asked.click('.signin button[type=submit]');
      await asked.waitForSelector('.problem:has-text("no recorder is answering")');
      expect(await asked.$('.signin')).toBeNull();
      expect(await asked.context().cookies()).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
