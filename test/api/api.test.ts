import { connectNats } from '@elava/bus';
import { QueryClient, StoreReader, serveQueries } from '@elava/query';
import { ServiceRuntime } from '@elava/service';
import { Store } from '@elava/store';
import { ACCOUNT, instance, scope } from '@elava/store/testing';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryHandler } from '../../services/api/src/handler.js';
import { infra, silentLog, tempDirFor, unique } from '../support/infra.js';

/**
 * The query API end to end over real NATS: HTTP request → API handler → NATS request/reply →
 * the reader on an open store → the answer passed through.
 */
describe('query API', () => {
  let nc: NatsConnection;
  let store: Store;
  let served: Subscription;
  let runtime: ServiceRuntime;
  let base: string;
  const subject = unique('elava.query-test');

  beforeAll(async () => {
    nc = await connectNats(infra().nats, 'api-test', silentLog);
    store = await Store.open(tempDirFor('elava-api-'));
    await store.applyScan('s1', scope(), [instance(1), instance(2, { tags: { team: 'a' } })], { complete: true });
    await store.applyScan('s2', scope(), [instance(1, { state: 'stopped' })], { complete: true });
    served = serveQueries(nc, new StoreReader(store), silentLog, subject);
    runtime = new ServiceRuntime({ service: 'api-test', log: silentLog });
    runtime.mount('/v1/', queryHandler(new QueryClient(nc, 2_000, subject), 'docs/openapi.yaml'));
    base = `http://127.0.0.1:${await runtime.listen()}`;
  });
  afterAll(async () => {
    await runtime?.stop();
    served?.unsubscribe();
    await nc?.drain();
    await store?.close();
  });

  const get = async (path: string) => {
    const res = await fetch(base + path);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { items: unknown[] } };
  };

  it('answers the estate now and at an earlier revision, and one resource history', async () => {
    const now = await get('/v1/resources');
    expect(now.status).toBe(200);
    expect(now.body.items.map((v) => (v as { id: string }).id)).toEqual([instance(1).id]);
    const before = await get('/v1/resources?at=1&tag=team%3Da');
    expect(before.body).toMatchObject({ revision: 1, items: [{ id: instance(2).id, version: 1 }] });
    const h = await get(`/v1/resources/${encodeURIComponent(instance(1).id)}/history`);
    expect(h.body.items.map((v) => (v as { version: number }).version)).toEqual([1, 2]);
    const one = await get(`/v1/resources/${instance(2).id}?at=1`);
    expect(one.body).toMatchObject({ revision: 1, item: { resource: { tags: { team: 'a' } } } });
    expect((await get(`/v1/resources/${instance(2).id}`)).status).toBe(404);
    expect((await get('/v1/status')).body).toMatchObject({ revision: 2 });
    expect((await get('/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('refuses bad input with 400 and says what is wrong, before asking the recorder', async () => {
    const bad = await get('/v1/resources?at=last-tuesday&type=ec2.banana');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/at: cannot read "last-tuesday".*type: unknown resource type/);
    expect((await get('/v1/changes?since=24h&since=7d')).body.error).toMatch(/"since" given more than once/);
    expect((await get('/v1/nowhere')).status).toBe(404);
    expect((await get(`/v1/resources?account=${ACCOUNT}&at=9999`)).body.error).toMatch(/in the future/);
    const post = await fetch(`${base}/v1/resources`, { method: 'POST' });
    expect(post.status).toBe(405);
    const spec = await fetch(`${base}/v1/openapi.yaml`);
    expect(await spec.text()).toMatch(/^openapi: 3\.1/);
  });

  it('says 503 when no recorder answers', async () => {
    const lonely = new ServiceRuntime({ service: 'api-lonely', log: silentLog });
    lonely.mount('/v1/', queryHandler(new QueryClient(nc, 2_000, unique('elava.nobody'))));
    const port = await lonely.listen();
    const res = await fetch(`http://127.0.0.1:${port}/v1/resources`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(/no recorder is answering/);
    await lonely.stop();
  });
});
