import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listKeysOf } from '@elava/aws';
import { connectNats } from '@elava/bus';
import { EXIT, type Io, run } from '@elava/cli';
import { QueryClient, StoreReader, serveQueries } from '@elava/query';
import { ServiceRuntime } from '@elava/service';
import { Store } from '@elava/store';
import { ACCOUNT, instance, scope } from '@elava/store/testing';
import type { AnyResource } from '@elava/types';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryHandler } from '../../services/api/src/handler.js';
import { startOwnInfra } from '../support/cluster.js';
import { silentLog, tempDirFor } from '../support/infra.js';

/**
 * The estate diff end to end: `GET /v1/diff` and `elava diff` → NATS request/reply → the reader
 * on an open store, served as the recorder serves it (with the AWS readers' list keys). On a NATS
 * of its own: the CLI asks the default query subject, which no other test may answer.
 */
describe('estate diff over the query protocol', () => {
  const dir = tempDirFor('elava-diff-api-');
  const configPath = join(dir, 'elava.yaml');
  let own: Awaited<ReturnType<typeof startOwnInfra>>;
  let nc: NatsConnection;
  let store: Store;
  let served: Subscription;
  let runtime: ServiceRuntime;
  let base: string;

  const table = (target: string) =>
    ({
      id: `aws:${ACCOUNT}:us-east-1:ec2.route_table:rtb-1`,
      provider: 'aws',
      account: ACCOUNT,
      region: 'us-east-1',
      type: 'ec2.route_table',
      native_id: 'rtb-1',
      name: 'main',
      tags: { environment: 'production' },
      attributes: {
        routes: [
          { destination: '10.0.0.0/16', target: 'local' },
          { destination: '0.0.0.0/0', target },
        ],
      },
    }) as unknown as AnyResource;

  beforeAll(async () => {
    own = await startOwnInfra(dir, []);
    nc = await connectNats(own.natsUrl, 'diff-test', silentLog);
    store = await Store.open(join(dir, 'data'));
    const tagged = { Name: 'web-1', environment: 'production' };
    await store.applyScan('i1', scope(), [instance(1, { tags: tagged }), instance(2), instance(3)], { complete: true });
    await store.applyScan('t1', scope('ec2.route_table'), [table('igw-1')], { complete: true });
    // Revision 3 on: instance 1 stopped, 2 gone, 4 new, 3 changed and changed back, the route moved.
    await store.applyScan(
      'i2',
      scope(),
      [instance(1, { tags: tagged, state: 'stopped' }), instance(3, { size: 'x' })],
      {
        complete: true,
      },
    );
    await store.applyScan('i3', scope(), [instance(1, { tags: tagged, state: 'stopped' }), instance(3), instance(4)], {
      complete: true,
    });
    await store.applyScan('t2', scope('ec2.route_table'), [table('nat-1')], { complete: true });
    served = serveQueries(nc, new StoreReader(store, undefined, listKeysOf), silentLog);
    runtime = new ServiceRuntime({ service: 'api-diff-test', log: silentLog });
    runtime.mount('/v1/', queryHandler(new QueryClient(nc, 2_000), 'docs/openapi.yaml'));
    base = `http://127.0.0.1:${await runtime.listen()}`;
    writeFileSync(
      configPath,
      `version: "2.0"\nregions: [us-east-1]\nredis: { url: "${own.redisUrl}" }\nnats: { url: "${own.natsUrl}" }\n`,
    );
  });
  afterAll(async () => {
    await runtime?.stop();
    served?.unsubscribe();
    await nc?.drain();
    await store?.close();
    await own?.stopInfra('nats');
    await own?.stopInfra('redis');
  });

  const get = async (path: string) => {
    const res = await fetch(base + path);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { items: Item[] } };
  };
  interface Item {
    id: string;
    kind: string;
    diff: { path: string; before?: unknown; after?: unknown }[];
  }

  it('answers GET /v1/diff: both ends compared, lists by their keys, tags repeatable, paged', async () => {
    const all = await get('/v1/diff?from=2&to=5');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ from_revision: 2, to_revision: 5, next_cursor: null });
    expect(all.body.items.map((i) => [i.kind, i.id.split(':').slice(3).join(':')])).toEqual([
      ['modified', 'ec2.instance:i-00000001'],
      ['removed', 'ec2.instance:i-00000002'],
      ['added', 'ec2.instance:i-00000004'],
      ['modified', 'ec2.route_table:rtb-1'],
    ]);
    expect(all.body.items[3]?.diff).toEqual([
      { path: 'attributes.routes[destination=0.0.0.0/0].target', before: 'igw-1', after: 'nat-1' },
    ]);

    const prod = await get('/v1/diff?from=2&to=5&tag=environment%3Dproduction&tag=Name%3Dweb-1');
    expect(prod.body.items.map((i) => i.id)).toEqual([instance(1).id]);
    const routes = await get('/v1/diff?from=2&to=0s&type=ec2.route_table&tag=environment');
    expect(routes.body.items.map((i) => i.kind)).toEqual(['modified']);

    const first = await get('/v1/diff?from=2&to=5&limit=3');
    expect(first.body.items).toHaveLength(3);
    const rest = await get(`/v1/diff?from=2&to=5&cursor=${first.body.next_cursor}`);
    expect([...first.body.items, ...rest.body.items]).toEqual(all.body.items);
  });

  it('refuses bad input with 400 naming it, before asking the recorder', async () => {
    const bad = await get('/v1/diff?from=last-week&type=ec2.banana&tag=%3Dx');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/from: cannot read "last-week".*to: required.*type: unknown resource type.*tag.0/);
    expect((await get('/v1/diff?from=5&to=2')).body.error).toMatch(/from \(revision 5\) is after to \(revision 2\)/);
    expect((await get('/v1/diff?from=1&to=1&from=2')).body.error).toMatch(/"from" given more than once/);
    // Only the diff takes a tag more than once.
    expect((await get('/v1/resources?tag=a&tag=b')).body.error).toMatch(/"tag" given more than once/);
  });

  function io() {
    const out: string[] = [];
    const err: string[] = [];
    const value: Io = { out: (t) => out.push(t), err: (t) => err.push(t), env: {}, cwd: dir, tty: false };
    return { io: value, out, err };
  }

  it('prints `elava diff` grouped by type for people, and the whole diff as JSON for scripts', async () => {
    const a = io();
    expect(await run(['--config', configPath, 'diff', '--from', '2', '--to', '5'], a.io)).toBe(EXIT.ok);
    expect(a.out.join('\n')).toBe(
      [
        `revision 2 (${store.timeOf(2)}) → revision 5 (${store.timeOf(5)}): 1 added, 1 removed, 2 modified`,
        '',
        'ec2.instance',
        '  ~ i-00000001',
        '      attributes.state: running → stopped',
        '      status: running → stopped',
        '  - i-00000002  web-2',
        '  + i-00000004  web-4',
        '',
        'ec2.route_table',
        '  ~ rtb-1',
        '      attributes.routes[destination=0.0.0.0/0].target: igw-1 → nat-1',
      ].join('\n'),
    );

    const b = io();
    const argv = ['--config', configPath, 'diff', '--from', '2', '--tag', 'environment=production', '--json'];
    expect(await run([...argv, '--tag', 'Name=web-1'], b.io)).toBe(EXIT.ok);
    const json = JSON.parse(b.out.join(''));
    expect(json).toMatchObject({ from_revision: 2, to_revision: 5, items: [{ id: instance(1).id, kind: 'modified' }] });
    expect(json.items).toHaveLength(1);

    const c = io();
    expect(await run(['--config', configPath, 'diff', '--from', '4', '--to', '4'], c.io)).toBe(EXIT.ok);
    expect(c.out.join('')).toMatch(/^no differences between revision 4 .* → revision 4/);

    const d = io();
    expect(await run(['--config', configPath, 'diff', '--from', '99'], d.io)).toBe(EXIT.usage);
    expect(d.err.join('')).toMatch(/revision 99 is in the future/);
  });
});
