import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectNats, createRedis, ensureStreams } from '@elava/bus';
import { EXIT, type Io, run } from '@elava/cli';
import { StoreReader, serveQueries } from '@elava/query';
import { startRecorder, WalPublisher } from '@elava/recorder';
import { Store } from '@elava/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infra, silentLog, tempDirFor, unique } from '../support/infra.js';
import { testScanner } from '../support/scanner.js';
import { resetMoto, seedDbInstances } from '../support/seed.js';

describe('elava scan --once', () => {
  const prefix = unique('elava-cli');
  const dir = tempDirFor('elava-cli-scan-');
  const configPath = join(dir, 'elava.yaml');
  const closers: (() => Promise<unknown>)[] = [];
  let store: Store;
  beforeAll(async () => {
    await resetMoto(infra().moto);
    await seedDbInstances(infra().moto, 'us-west-2', 3);
    process.env.ELAVA_QUEUE_PREFIX = prefix;
    process.env.AWS_ACCESS_KEY_ID ??= 'testing';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
    writeFileSync(
      configPath,
      `version: "2.0"\nregions: [us-west-2]\naws: { endpoint: "${infra().moto}" }\nredis: { url: "${infra().redis}" }\nnats: { url: "${infra().nats}" }\n`,
    );
    testScanner(prefix, (close) => closers.push(close));
    // `scan --once` waits until the recorder has recorded each scan: one records these, and
    // answers the CLI's questions as main.ts serves them.
    const nc = await connectNats(infra().nats, 'elava-cli-scan-test');
    await ensureStreams(nc);
    store = await Store.open(join(dir, 'data'));
    const conns = [createRedis(infra().redis, 'producer'), createRedis(infra().redis, 'worker')];
    const recorder = startRecorder({
      store,
      wal: new WalPublisher(nc, store, silentLog),
      producer: conns[0]!,
      consumer: conns[1]!,
      log: silentLog,
      prefix,
    });
    const served = serveQueries(nc, new StoreReader(store), silentLog);
    closers.push(async () => {
      served.unsubscribe();
      await recorder.close();
      await store.close();
      for (const c of conns) c.disconnect();
      await nc.drain();
    });
  });
  afterAll(async () => {
    delete process.env.ELAVA_QUEUE_PREFIX;
    for (const c of closers.reverse()) await c();
  });

  function io() {
    const out: string[] = [];
    const err: string[] = [];
    const value: Io = { out: (t) => out.push(t), err: (t) => err.push(t), env: process.env, cwd: dir, tty: false };
    return { io: value, out, err };
  }

  it('scans through the running scanners, shows progress per scope and a summary per type', async () => {
    const a = io();
    const code = await run(
      ['--config', configPath, 'scan', '--once', '--type', 'rds.instance', '--type', 'ec2.vpc'],
      a.io,
    );
    expect(a.err.join('\n')).toMatch(/scanning 2 scope\(s\)[\s\S]*✓ 123456789012\/us-west-2\/(ec2.vpc|rds.instance)/);
    expect(code).toBe(EXIT.ok);
    const summary = a.out.join('\n');
    expect(summary).toMatch(/rds\.instance\s+1\s+0\s+3\s+\d+\s+0/);
    expect(summary).toContain('2 scopes');
    // Returned only once recorded: the store holds the scan already.
    expect([...store.range({ type: 'rds.instance' })]).toHaveLength(3);

    const b = io();
    expect(await run(['--config', configPath, 'scan', '--once', '--type', 'ec2.vpc', '--json'], b.io)).toBe(EXIT.ok);
    expect(JSON.parse(b.out.join(''))).toMatchObject({
      scopes: [{ scope: '123456789012/us-west-2/ec2.vpc', status: 'complete', resources: 1 }],
    });
  });

  it('refuses bad arguments with exit 2 and says why', async () => {
    const a = io();
    expect(await run(['--config', configPath, 'scan', '--once', '--type', 'ec2.ami'], a.io)).toBe(EXIT.usage);
    expect(a.err.join('')).toContain('unknown type "ec2.ami"');
    const b = io();
    expect(await run(['--config', configPath, 'scan'], b.io)).toBe(EXIT.usage);
    expect(b.err.join('')).toContain('say --once');
    const c = io();
    expect(await run(['--config', configPath, 'scan', '--once', '--region', 'mars-1'], c.io)).toBe(EXIT.usage);
    expect(c.err.join('')).toContain('"mars-1" is not an AWS region name');
  });
});
