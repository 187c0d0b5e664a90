// Starts Redis, NATS (JetStream) and moto on loopback when nothing answers at their URLs, and
// stops only what it started. Node built-ins only.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { DATA, LOGS, MOTO_BIN, RUN } from './paths.mjs';
import { dim, ok, SetupError, step } from './term.mjs';

export function urls(env = process.env) {
  return {
    redis: env.REDIS_URL || 'redis://127.0.0.1:6379',
    nats: env.NATS_URL || 'nats://127.0.0.1:4222',
    moto: env.AWS_ENDPOINT_URL || 'http://127.0.0.1:5000',
  };
}

const LOCAL = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function hostPort(url, defaultPort) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || defaultPort) };
}

/** Opens a TCP connection, writes `send`, resolves with what came back first (or null). */
function talk({ host, port }, send, timeoutMs = 1500) {
  return new Promise((resolvePromise) => {
    const socket = connect({ host, port });
    let data = '';
    const done = (value) => {
      socket.destroy();
      resolvePromise(value);
    };
    socket.setTimeout(timeoutMs, () => done(data || null));
    socket.on('error', () => done(null));
    socket.on('connect', () => send && socket.write(send));
    socket.on('data', (d) => {
      data += d;
      if (data.includes('\r\n')) done(data);
    });
  });
}

export const probes = {
  async redis(url) {
    const reply = await talk(hostPort(url, 6379), 'PING\r\n');
    if (reply === null) return 'down';
    return reply.startsWith('+PONG') || reply.startsWith('-NOAUTH')
      ? 'up'
      : `answers, but not as Redis: ${reply.slice(0, 60)}`;
  },
  async nats(url) {
    const reply = await talk(hostPort(url, 4222), null);
    if (reply === null) return 'down';
    if (!reply.startsWith('INFO ')) return `answers, but not as NATS: ${reply.slice(0, 60)}`;
    return /"jetstream"\s*:\s*true/.test(reply) ? 'up' : 'NATS answers, but JetStream is off (start it with -js)';
  },
  async moto(url) {
    try {
      // The dashboard page is static and cheap; data.json dumps the whole emulated estate.
      const res = await fetch(new URL('/moto-api/', url), { signal: AbortSignal.timeout(3000) });
      const body = res.ok ? await res.text() : '';
      return /moto/i.test(body) ? 'up' : `answers HTTP ${res.status}, but not as moto`;
    } catch {
      // Refused, timed out or not HTTP at all: nothing usable answers there.
      return 'down';
    }
  },
};

function commandFor(name, url) {
  const { port } = hostPort(url, { redis: 6379, nats: 4222, moto: 5000 }[name]);
  const dir = join(DATA, name);
  mkdirSync(dir, { recursive: true });
  switch (name) {
    case 'redis':
      return [
        'redis-server',
        [
          '--bind',
          '127.0.0.1',
          '--port',
          String(port),
          '--dir',
          dir,
          '--appendonly',
          'yes',
          '--save',
          '',
          '--protected-mode',
          'yes',
        ],
      ];
    case 'nats':
      return ['nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir, '-m', String(port + 4000)]];
    case 'moto':
      return [MOTO_BIN, ['-H', '127.0.0.1', '-p', String(port)]];
    default:
      throw new Error(`unknown service ${name}`);
  }
}

const STATE = join(RUN, 'infra.json');

function readState() {
  try {
    return JSON.parse(readFileSync(STATE, 'utf8'));
  } catch {
    return {};
  }
}

function writeState(state) {
  mkdirSync(RUN, { recursive: true });
  if (Object.keys(state).length === 0) rmSync(STATE, { force: true });
  else writeFileSync(STATE, `${JSON.stringify(state, null, 2)}\n`);
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(name, url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await probes[name](url)) === 'up') return;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 150));
  }
  const log = join(LOGS, `${name}.log`);
  const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new SetupError(
    `${name} did not become ready at ${url} within ${timeoutMs / 1000}s. Last lines of ${log}:\n${tail}`,
  );
}

/** Notes a server this set-up started, at once: `down` (this run's or a later one's) then finds it. */
function record(name, entry) {
  const state = readState();
  state[name] = entry;
  writeState(state);
}

function forget(name) {
  const state = readState();
  delete state[name];
  writeState(state);
}

/**
 * Brings each service up unless something already answers. Returns the URLs and the names of
 * the services this call started (the only ones `down` will stop). `started`, when given, gets
 * each name the moment its process exists, before it is ready, so that a stop during start-up
 * can stop it; once `signal` is aborted nothing more is started.
 */
export async function up({
  services = ['redis', 'nats', 'moto'],
  env = process.env,
  quiet = false,
  started = [],
  signal,
} = {}) {
  const where = urls(env);
  const state = readState();
  // allSettled, not all: when one server fails, the others' starts are still in flight, and the
  // caller's clean-up must see every one that was spawned (a moto spawned after the failure was left
  // running by a fresh-clone run whose nats-server could not start).
  const results = await Promise.allSettled(
    services.map(async (name) => {
      const url = where[name];
      const status = await probes[name](url);
      if (status === 'up') {
        if (!quiet)
          ok(
            `${name} answering at ${url}${state[name] ? dim(` (pid ${state[name].pid})`) : dim(' (not started by Elava)')}`,
          );
        return;
      }
      if (status !== 'down') throw new SetupError(`${name} at ${url}: ${status}`);
      if (!LOCAL.has(new URL(url).hostname)) {
        throw new SetupError(
          `${name} is not reachable at ${url}, and it is not on this machine, so it cannot be started here.`,
        );
      }
      if (signal?.aborted) throw new SetupError(`stopping: ${name} not started`);
      mkdirSync(LOGS, { recursive: true });
      const [cmd, args] = commandFor(name, url);
      const logFd = openSync(join(LOGS, `${name}.log`), 'a');
      // Own process group: Ctrl-C reaches Elava first, which then stops these in order.
      const child = spawn(cmd, args, { detached: true, stdio: ['ignore', logFd, logFd] });
      closeSync(logFd);
      if (child.pid !== undefined) {
        record(name, { pid: child.pid, url, startedAt: new Date().toISOString() });
        started.push(name);
      }
      await new Promise((resolvePromise, reject) => {
        child.once('spawn', resolvePromise);
        child.once('error', (err) => reject(new SetupError(`cannot start ${name} (${cmd}): ${err.message}`)));
      });
      child.unref();
      await waitFor(name, url, child, name === 'moto' ? 30_000 : 15_000);
      if (!quiet) ok(`${name} started at ${url} ${dim(`(pid ${child.pid}, log ${join(LOGS, `${name}.log`)})`)}`);
    }),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return { urls: where, started };
}

/** Stops the named services if this set-up started them (per the state file). */
export async function down(names, { quiet = false } = {}) {
  const state = readState();
  for (const name of names ?? Object.keys(state)) {
    const entry = state[name];
    if (!entry) continue;
    forget(name);
    if (!alive(entry.pid)) continue;
    process.kill(entry.pid, 'SIGTERM');
    const deadline = Date.now() + 8_000;
    while (alive(entry.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (alive(entry.pid)) process.kill(entry.pid, 'SIGKILL');
    if (!quiet) step(`stopped ${name} ${dim(`(pid ${entry.pid})`)}`);
  }
}

export async function status(env = process.env) {
  const where = urls(env);
  const state = readState();
  const out = {};
  for (const name of ['redis', 'nats', 'moto']) {
    out[name] = { url: where[name], status: await probes[name](where[name]), startedByElava: Boolean(state[name]) };
  }
  return out;
}
