import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { connectNats, createRedis, DeliverPolicy, ensureStreams, jetstream, type NatsConnection } from '@elava/bus';
import { discoverServices, EXIT, type Io, type Running, run, startService, stopAll, wanted } from '@elava/cli';
import { loadConfig } from '@elava/config';
import type { DemoRegion } from '@elava/demo';
import type { Decision } from '@elava/types';
import type { Redis } from 'ioredis';
import { infra, tempDirFor } from './infra.js';

const ROOT = resolve(import.meta.dirname, '../..');

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number, log: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\n--- cluster log (last lines) ---\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ClusterOptions {
  regions: string[];
  scanners?: number;
  /** Extra YAML appended to the cluster's elava.yaml. */
  config?: string;
  env?: Record<string, string>;
  /** A Redis and a NATS shared with another cluster (then none of its own is started). */
  shared?: { redisUrl: string; natsUrl: string };
  /** `redis.prefix` of this cluster. */
  prefix?: string;
  /**
   * An elava.yaml of the test's own, used as written; where things are (Redis, NATS, moto, the data
   * directory, the API port) comes from the environment, which wins over the file.
   */
  configPath?: string;
}

/**
 * A Redis and a NATS (JetStream) of their own on free ports, for a cluster that must meet no
 * other test's queues, streams or durable consumers; either can be restarted under it.
 */
export async function startOwnInfra(dir: string, lines: string[]) {
  const [redisPort, natsPort] = [await freePort(), await freePort()];
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  const log = () => lines.slice(-60).join('\n');
  const infraProcs = new Map<'redis' | 'nats', ChildProcess>();
  const startInfra = async (name: 'redis' | 'nats') => {
    mkdirSync(join(dir, name), { recursive: true });
    const [cmd, args] =
      name === 'redis'
        ? [
            'redis-server',
            [
              '--bind',
              '127.0.0.1',
              '--port',
              String(redisPort),
              '--dir',
              join(dir, 'redis'),
              '--appendonly',
              'yes',
              '--save',
              '',
            ],
          ]
        : ['nats-server', ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', join(dir, 'nats')]];
    const child = spawn(cmd as string, args as string[], { stdio: 'ignore' });
    infraProcs.set(name, child);
    if (name === 'redis') {
      await until(
        async () => {
          const r = createRedis(redisUrl, 'producer', 'probe');
          r.on('error', () => {});
          try {
            return (await r.ping()) === 'PONG';
          } catch {
            return false;
          } finally {
            r.disconnect();
          }
        },
        'redis to start',
        10_000,
        log,
      );
    } else {
      await until(
        () =>
          connectNats(natsUrl, 'probe').then(
            async (nc) => {
              await nc.close();
              return true;
            },
            () => false,
          ),
        'nats to start',
        10_000,
        log,
      );
    }
  };
  const stopInfra = async (name: 'redis' | 'nats', signal: NodeJS.Signals = 'SIGTERM') => {
    const child = infraProcs.get(name);
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };
  await startInfra('redis');
  await startInfra('nats');

  return { redisUrl, natsUrl, startInfra, stopInfra };
}

/**
 * The whole cluster as separate processes, as `elava up --demo` runs it, on a Redis and a NATS of
 * its own (so it meets no other test's queues, streams or durable consumers) and the shared moto.
 * Services can be killed and restarted, and Redis and NATS restarted under them.
 */
export async function startCluster(o: ClusterOptions) {
  // The CLI runs in this process (elava scan asks STS which account it is): credentials moto takes.
  process.env.AWS_ACCESS_KEY_ID ??= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
  const dir = tempDirFor('elava-system-');
  const apiPort = await freePort();
  const lines: string[] = [];
  const log = () => lines.slice(-60).join('\n');
  const { redisUrl, natsUrl, startInfra, stopInfra } = o.shared
    ? { ...o.shared, startInfra: async (_: 'redis' | 'nats') => {}, stopInfra: async (_: 'redis' | 'nats') => {} }
    : await startOwnInfra(dir, lines);
  const config =
    o.configPath ??
    writeClusterConfig(dir, {
      redisUrl,
      natsUrl,
      apiPort,
      regions: o.regions,
      prefix: o.prefix,
      extra: o.config,
    });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ELAVA_CONFIG: config,
    ELAVA_LOG_LEVEL: 'info',
    ELAVA_JOB_LOCK_MS: '2000',
    ELAVA_DEMO_CHURN_MS: '0',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    REDIS_URL: redisUrl,
    NATS_URL: natsUrl,
    ...(o.configPath
      ? { AWS_ENDPOINT_URL: infra().moto, ELAVA_DATA_DIR: join(dir, 'data'), ELAVA_API_PORT: String(apiPort) }
      : {}),
    ...o.env,
  };
  // As `elava up` does: a service with a `when` key (events) runs only when its configuration says so.
  const loaded = loadConfig({ path: config, env }).config;
  const services = discoverServices(ROOT).filter((s) => s.name !== 'scheduler' && wanted(s, loaded));
  const running = new Map<string, Running>();
  const start = (name: string, index = 0) => {
    const svc = services.find((s) => s.name === name);
    if (!svc) throw new Error(`no service ${name}`);
    const instances = name === 'scanner' ? (o.scanners ?? 2) : 1;
    const r = startService({ ...svc, instances }, index, env, (line) => lines.push(line));
    running.set(r.label, r);
    return r;
  };
  for (const svc of services)
    for (let i = 0; i < (svc.name === 'scanner' ? (o.scanners ?? 2) : 1); i++) start(svc.name, i);

  const nc: NatsConnection = await connectNats(natsUrl, 'elava-system-test');
  await ensureStreams(nc);
  const redis: Redis = createRedis(redisUrl, 'producer', 'elava-system-test');
  redis.on('error', () => {});
  const decisions: Decision[] = [];
  const follow = async () => {
    const consumer = await jetstream(nc).consumers.get('ELAVA_DECISIONS', {
      filter_subjects: 'elava.decisions.>',
      deliver_policy: DeliverPolicy.All,
    });
    for await (const m of await consumer.consume()) decisions.push(m.json<Decision>());
  };
  void follow().catch(() => {});

  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), env: { ...env }, cwd: ROOT, tty: false };
    const code = await run(args, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  return {
    dir,
    env,
    redis,
    nc,
    decisions,
    log,
    /** Every line every service logged, for what was said once near the start (log() keeps the tail). */
    lines: () => lines.join('\n'),
    cli,
    start,
    running,
    /** SIGKILL (or another signal) one service process; resolves when it is gone. */
    async kill(label: string, signal: NodeJS.Signals = 'SIGKILL') {
      const r = running.get(label);
      if (!r || r.child.exitCode !== null) return;
      const gone = new Promise((res) => r.child.once('exit', res));
      r.child.kill(signal);
      await gone;
    },
    async restartInfra(name: 'redis' | 'nats', downMs = 1_000) {
      await stopInfra(name, 'SIGKILL');
      await new Promise((r) => setTimeout(r, downMs));
      await startInfra(name);
    },
    /** Every expected service has a ready heartbeat. */
    async ready(names: string[], timeoutMs = 60_000) {
      let last = '';
      await until(
        async () => {
          const { code, out, err } = await cli(['status', '--json']);
          last = `elava status: exit ${code}\n${out}\n${err}`;
          if (code === EXIT.usage) return false;
          const s = JSON.parse(out) as { services: { service: string; ready: boolean }[] };
          return names.every((n) => s.services.some((x) => x.service === n && x.ready));
        },
        `services ready: ${names.join(', ')}`,
        timeoutMs,
        () => `${log()}\n${last}`,
      );
    },
    /** Waits for a service to log a line matching `re`. */
    waitLog: (re: RegExp, timeoutMs = 60_000) =>
      until(() => lines.some((l) => re.test(l)), `a log line ${re}`, timeoutMs, log),
    /** Waits until no decision has arrived for `quietMs`. */
    async settle(quietMs = 3_000, timeoutMs = 60_000) {
      let count = -1;
      let since = Date.now();
      await until(
        () => {
          if (decisions.length !== count) {
            count = decisions.length;
            since = Date.now();
          }
          return Date.now() - since >= quietMs;
        },
        'decisions to settle',
        timeoutMs,
        log,
      );
    },
    until: (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000) =>
      until(check, what, timeoutMs, log),
    async stop() {
      await stopAll([...running.values()]);
      await nc.close().catch(() => {});
      redis.disconnect();
      await stopInfra('nats');
      await stopInfra('redis');
    },
  };
}

export type SystemCluster = Awaited<ReturnType<typeof startCluster>>;

/** A decision as a line without the ids moto makes up, so one run's decisions compare with another's. */
export const decisionLine = (d: Decision) =>
  `${d.resource.region} ${d.action}/${d.severity} ${d.resource.type} ${d.policy?.package ?? d.change?.type}: ${d.reason}`
    .replace(/\b(sg|vol|snap|i|eni|eipalloc|nat|vpc|subnet|rtb|igw|acl|vpce|lt|key)-[0-9a-f]{8,}\b/g, '$1-*')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<uuid>')
    .replace(/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}/g, '*')
    .replace(/\b\d+\.\d+\.\d+\.\d+\b/g, '*.*.*.*');

/** How many decisions of each line, in line order. */
export function tallyDecisions(ds: Decision[], into: Record<string, number> = {}): Record<string, number> {
  for (const d of ds) into[decisionLine(d)] = (into[decisionLine(d)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(into).sort(([a], [b]) => a.localeCompare(b)));
}

/** The elava.yaml of a test cluster: moto, its own Redis and NATS, dry run, the demo's tagging. */
export function writeClusterConfig(
  dir: string,
  c: { redisUrl: string; natsUrl: string; apiPort: number; regions: string[]; prefix?: string; extra?: string },
): string {
  const config = join(dir, 'elava.yaml');
  writeFileSync(
    config,
    [
      'version: "2.0"',
      `regions: [${c.regions.join(', ')}]`,
      `aws: { endpoint: "${infra().moto}" }`,
      `storage: { dir: "${join(dir, 'data')}" }`,
      `redis: { url: "${c.redisUrl}"${c.prefix ? `, prefix: ${c.prefix}` : ''} }`,
      `nats: { url: "${c.natsUrl}" }`,
      `api: { port: ${c.apiPort} }`,
      `policies: { path: "${join(ROOT, 'policies')}", enforcement_mode: dry_run }`,
      'actions:',
      '  tagging: { auto_tag_untagged: true, default_tags: { "elava:owner": platform-team } }',
      'behavior: { grace_period: 2s }',
      c.extra ?? '',
    ].join('\n'),
  );
  return config;
}

export { freePort };

/** The service instances `elava up` starts (two scanners), as their heartbeats name them. */
export const UP_INSTANCES = [
  'api',
  'detector',
  'executor',
  'notifier',
  'policy',
  'recorder',
  'scanner-1',
  'scanner-2',
  'scheduler',
] as const;

/** The ids of the demo estate a cluster's demo service seeded (in `region`, or the first it logged). */
export function demoIds(c: SystemCluster, region?: string): DemoRegion {
  const line = region
    ? new RegExp(`\\{"level":"info"[^\\n]*"region":"${region}"[^\\n]*"msg":"demo estate seeded"\\}`)
    : /\{"level":"info"[^\n]*"msg":"demo estate seeded"\}/;
  return JSON.parse(line.exec(c.lines())?.[0] ?? '{}') as DemoRegion;
}
