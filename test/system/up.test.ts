import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { createRedis, readHeartbeats } from '@elava/bus';
import { expect, it } from 'vitest';
import { freePort, startOwnInfra, UP_INSTANCES, writeClusterConfig } from '../support/cluster.js';
import { infra, tempDirFor } from '../support/infra.js';
import { resetMoto } from '../support/seed.js';

const CLI = resolve(import.meta.dirname, '../../services/cli/dist/main.js');

/** What `npm start` runs after set-up: every service, the demo, decisions printed, Ctrl-C stops all. */
it('elava up --demo brings up every service, prints decisions as they are made, and stops them all on Ctrl-C', async () => {
  await resetMoto(infra().moto);
  const dir = tempDirFor('elava-up-');
  const lines: string[] = [];
  const own = await startOwnInfra(dir, lines);
  // Scans every 5 s, as the demo's own configuration scans often: the first ones may run before
  // the demo has finished seeding.
  const config = writeClusterConfig(dir, {
    ...own,
    apiPort: await freePort(),
    regions: ['us-east-1'],
    extra: 'scanning: { tiers: { default: { scan_interval: 5s } } }',
  });
  const redis = createRedis(own.redisUrl, 'producer', 'elava-up-test');
  try {
    const up = spawn(process.execPath, [CLI, 'up', '--demo'], {
      env: {
        ...process.env,
        // REDIS_URL and NATS_URL override the file, and npm test sets them to the shared servers.
        REDIS_URL: own.redisUrl,
        NATS_URL: own.natsUrl,
        ELAVA_CONFIG: config,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        ELAVA_DEMO_CHURN_MS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    up.stdout.on('data', (b) => {
      out += b;
    });
    up.stderr.on('data', (b) => {
      out += b;
    });
    const deadline = Date.now() + 90_000;
    // The scheduler's first scans run at once: the SSH-open group is a critical alert, printed with its `why`.
    while (
      !/critical +alert +sg-\S+ +security group sg-\S+ is open to 0\.0\.0\.0\/0 on port 22 +elava why [0-9a-f]{40}/.test(
        out,
      )
    ) {
      if (Date.now() > deadline || up.exitCode !== null)
        throw new Error(`no critical alert printed:\n${out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(out).toMatch(
      /^Elava is up: api, demo, detector, executor, notifier, policy, recorder, scanner-1, scanner-2, scheduler$/m,
    );
    // One scanner can do the first scans while the other is still starting: each beats once it is up.
    const all = [...UP_INSTANCES].sort();
    const beating = async () => (await readHeartbeats(redis)).map((h) => h.instance).sort();
    for (const until = Date.now() + 30_000; (await beating()).join() !== all.join() && Date.now() < until; )
      await new Promise((r) => setTimeout(r, 250));
    expect(await beating()).toEqual(all);

    const exited = new Promise<number | null>((r) => up.once('exit', (code) => r(code)));
    up.kill('SIGINT');
    expect(await exited).toBe(0);
    // Every service stopped cleanly: each took its heartbeat with it.
    expect(await readHeartbeats(redis)).toEqual([]);
  } finally {
    redis.disconnect();
    await own.stopInfra('nats');
    await own.stopInfra('redis');
  }
});

/** `elava up` on a Redis and a NATS of its own, without the demo; its output kept. */
async function startUp() {
  const dir = tempDirFor('elava-up-signal-');
  const own = await startOwnInfra(dir, []);
  const config = writeClusterConfig(dir, { ...own, apiPort: await freePort(), regions: ['us-east-1'] });
  const redis = createRedis(own.redisUrl, 'producer', 'elava-up-signal-test');
  const up = spawn(process.execPath, [CLI, 'up'], {
    env: {
      ...process.env,
      REDIS_URL: own.redisUrl,
      NATS_URL: own.natsUrl,
      ELAVA_CONFIG: config,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { text: '' };
  for (const stream of [up.stdout, up.stderr])
    stream.on('data', (b) => {
      output.text += b;
    });
  const exited = new Promise<number | null>((r) => up.once('exit', (code) => r(code)));
  return {
    up,
    output,
    exited,
    redis,
    async until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline || up.exitCode !== null)
          throw new Error(`no ${what}; elava up said:\n${output.text.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async cleanUp(services: number[]) {
      // Only after a failure is anything left: nothing outlives the test either way.
      for (const pid of [up.pid ?? 0, ...services]) if (alive(pid)) process.kill(pid, 'SIGKILL');
      redis.disconnect();
      await own.stopInfra('nats');
      await own.stopInfra('redis');
    },
  };
}

/** The processes `parent` started: `elava up`'s services, each in a process group of its own. */
function childrenOf(parent: ChildProcess): number[] {
  const ps = spawnSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter(([pid, ppid]) => pid && ppid === parent.pid && pid !== ps.pid)
    .map(([pid]) => pid as number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** As systemd, Docker or a process manager stop it: one signal to `elava up`'s process, not its group. */
it("SIGTERM to elava up's process alone: every service exits, exit code 0, no heartbeat left", async () => {
  const c = await startUp();
  let services: number[] = [];
  try {
    await c.until(
      async () => (await readHeartbeats(c.redis)).length === UP_INSTANCES.length,
      'heartbeat from every service',
    );
    services = childrenOf(c.up);
    expect(services).toHaveLength(UP_INSTANCES.length);

    c.up.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    expect(services.filter(alive)).toEqual([]);
    expect(await readHeartbeats(c.redis)).toEqual([]);
  } finally {
    await c.cleanUp(services);
  }
});

/** The services have just been started and are still starting themselves: nothing may outlive `elava up`. */
it('a stop signal while elava up is starting its services stops every one of them, exit code 0', async () => {
  const c = await startUp();
  let services: number[] = [];
  try {
    await c.until(() => /^Elava is up: /m.test(c.output.text), 'start-up line');
    services = childrenOf(c.up);
    expect(services).toHaveLength(UP_INSTANCES.length);

    c.up.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    expect(services.filter(alive)).toEqual([]);
    expect(await readHeartbeats(c.redis)).toEqual([]);
  } finally {
    await c.cleanUp(services);
  }
});
