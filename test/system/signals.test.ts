import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { createRedis, readHeartbeats } from '@elava/bus';
import { expect, it } from 'vitest';
import { freePort, startOwnInfra, UP_INSTANCES, writeClusterConfig } from '../support/cluster.js';
import { infra, tempDirFor } from '../support/infra.js';

// `npm start` is `sh scripts/node.sh scripts/start.mjs`, and node.sh `exec`s Node: after it, the
// main process is Node running scripts/start.mjs, which these tests start and signal.
const ROOT = resolve(import.meta.dirname, '../..');
const HOME = process.env.ELAVA_HOME ? resolve(process.env.ELAVA_HOME) : join(ROOT, '.elava');

/** pid → [parent pid, command line] of every live process (zombies only wait to be reaped). */
function processTable(): Map<number, [number, string]> {
  const ps = spawnSync('ps', ['-A', '-o', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' });
  const table = new Map<number, [number, string]>();
  for (const line of ps.stdout.split('\n')) {
    const [pid, ppid, stat, ...args] = line.trim().split(/\s+/);
    if (pid && Number(pid) !== ps.pid && !stat?.startsWith('Z')) table.set(Number(pid), [Number(ppid), args.join(' ')]);
  }
  return table;
}

/**
 * `npm start`'s main process with an ELAVA_HOME of its own (its infrastructure's state, data and
 * logs; the installed tools are the project's), and every process below it as it runs: the
 * infrastructure, the set-up's steps, `elava up` and its services.
 */
function npmStart(env: NodeJS.ProcessEnv, args: string[]) {
  const home = tempDirFor('elava-start-home-');
  for (const dir of ['tools', 'venv']) if (existsSync(join(HOME, dir))) symlinkSync(join(HOME, dir), join(home, dir));
  mkdirSync(join(home, 'run'), { recursive: true });
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'scripts/start.mjs'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ELAVA_HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (b) => {
    output += b;
  });
  child.stderr?.on('data', (b) => {
    output += b;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const seen = new Map<number, string>();
  const watch = () => {
    const table = processTable();
    const walk = (parent: number) => {
      for (const [pid, [ppid, args]] of table)
        if (ppid === parent) {
          seen.set(pid, args);
          walk(pid);
        }
    };
    if (child.pid) walk(child.pid);
  };
  const watcher = setInterval(watch, 100);
  void exited.then(() => clearInterval(watcher));
  return {
    child,
    /** Its exit code; a run that does not stop within the time fails (and is killed by cleanUp). */
    exited: (timeoutMs = 60_000) =>
      Promise.race([
        exited,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`npm start did not exit:\n${output.slice(-3000)}`)), timeoutMs).unref(),
        ),
      ]),
    home,
    output: () => output,
    /** Every process seen below the main process that still runs. */
    left: () => {
      const table = processTable();
      return [...seen].filter(([pid]) => table.has(pid)).map(([pid, args]) => `${pid} ${args}`);
    },
    seen: () => [...seen.values()],
    /** The infrastructure this run started and has not stopped, per its state file. */
    state: () => {
      const file = join(home, 'run', 'infra.json');
      return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, { pid: number }>) : {};
    },
    async until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 110_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`no ${what}; npm start said:\n${output.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    /** After a failure: nothing this run started outlives the test. */
    cleanUp() {
      clearInterval(watcher);
      for (const pid of [child.pid ?? 0, ...seen.keys()])
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
    },
  };
}

/** True when something accepts connections at the URL's port. */
function answers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((r) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      r(true);
    });
    socket.once('error', () => r(false));
  });
}

it.each(['SIGTERM', 'SIGINT'] as const)(
  "%s to npm start's main process alone stops elava up, every service and the infrastructure it started, and nothing else; exit 0",
  async (signal) => {
    const dir = tempDirFor('elava-start-');
    // A Redis that answers before `npm start` runs: used and left alone. NATS it starts itself.
    const own = await startOwnInfra(dir, []);
    const natsUrl = `nats://127.0.0.1:${await freePort()}`;
    const config = writeClusterConfig(dir, {
      redisUrl: own.redisUrl,
      natsUrl,
      apiPort: await freePort(),
      regions: ['us-east-1'],
    });
    const redis = createRedis(own.redisUrl, 'producer', 'elava-start-signal-test');
    const start = npmStart(
      { REDIS_URL: own.redisUrl, NATS_URL: natsUrl, AWS_ENDPOINT_URL: infra().moto, ELAVA_CONFIG: config },
      ['--no-demo'],
    );
    try {
      await start.until(
        async () => (await readHeartbeats(redis)).length === UP_INSTANCES.length,
        'heartbeat from every service',
      );
      expect(Object.keys(start.state())).toEqual(['nats']);
      expect(start.seen().filter((args) => args.includes('services/cli/dist/main.js up'))).toHaveLength(1);

      start.child.kill(signal);
      expect(await start.exited()).toBe(0);
      // elava up and every service stopped cleanly: each took its heartbeat with it.
      expect(start.left()).toEqual([]);
      expect(await readHeartbeats(redis)).toEqual([]);
      // The NATS it started is stopped; the Redis it found answering still runs.
      expect(start.state()).toEqual({});
      expect(await answers(natsUrl)).toBe(false);
      expect(await redis.ping()).toBe('PONG');
      expect(start.output()).toMatch(/stopped nats/);
      expect(start.output()).not.toMatch(/stopped redis/);
    } finally {
      start.cleanUp();
      redis.disconnect();
      await own.stopInfra('nats');
      await own.stopInfra('redis');
    }
  },
);

it("a stop signal during npm start's set-up stops what set-up has started so far; exit 0", async () => {
  const [redisUrl, natsUrl, motoUrl] = [
    `redis://127.0.0.1:${await freePort()}`,
    `nats://127.0.0.1:${await freePort()}`,
    `http://127.0.0.1:${await freePort()}`,
  ];
  const start = npmStart(
    {
      REDIS_URL: redisUrl,
      NATS_URL: natsUrl,
      AWS_ENDPOINT_URL: motoUrl,
      ELAVA_CONFIG: join(ROOT, 'examples/demo.yaml'),
    },
    [],
  );
  try {
    // moto takes seconds to answer: the signal comes while the set-up waits for it.
    await start.until(() => start.seen().some((args) => args.includes('moto_server')), 'moto process');

    start.child.kill('SIGTERM');
    expect(await start.exited()).toBe(0);
    expect(start.left()).toEqual([]);
    expect(start.state()).toEqual({});
    for (const url of [redisUrl, natsUrl, motoUrl]) expect(await answers(url)).toBe(false);
    // Nothing after the interrupted step was started.
    expect(start.output()).not.toMatch(/building/);
    expect(start.seen().filter((args) => args.includes('services/cli/dist/main.js'))).toEqual([]);
  } finally {
    start.cleanUp();
  }
});
