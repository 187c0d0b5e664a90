#!/usr/bin/env node
// `npm start`: install what is missing, start Redis, NATS (JetStream) and moto, build, and run
// every Elava service as its own process. Ctrl-C stops everything it started, and nothing else; so
// does SIGTERM, SIGINT or SIGHUP sent to this process alone (systemd, Docker, a process manager, a
// closed terminal), at any moment: during set-up it stops what set-up has started so far.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from './lib/build.mjs';
import { elavaEnv } from './lib/env.mjs';
import { down, up } from './lib/infra.mjs';
import { installAll } from './lib/install.mjs';
import { ROOT } from './lib/paths.mjs';
import { bold, dim, red, SetupError, step } from './lib/term.mjs';

const args = process.argv.slice(2);
const demo = !args.includes('--no-demo');
/** The infrastructure this run started, each name as soon as its process exists. */
const started = [];
const stop = new AbortController();
let elava = null;
let stopping = null;

/** Thrown between set-up steps once a stop has begun: nothing more is started. */
class Stopping extends Error {}
const go = () => {
  if (stopping) throw new Stopping();
};

function shutdown(code) {
  stopping ??= (async () => {
    stop.abort();
    if (elava && elava.exitCode === null && elava.signalCode === null) {
      // `elava up` stops its services. A Ctrl-C at a terminal reached it already, a signal sent to
      // this process alone did not: it is told either way (a second stop changes nothing for it).
      const exited = new Promise((r) => elava.once('exit', r));
      elava.kill('SIGTERM');
      await exited;
    }
    step('stopping …');
    await down(started);
    await stopSetUpSteps();
    process.exit(code);
  })();
  return stopping;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void shutdown(0));
// A terminal or pipe gone (SIGHUP) must not end the stop half-way.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

/**
 * A stop during set-up also ends the step under way (npm install, go install, pip, the build
 * through npx turbo): they run as children of this process, found through the process table.
 * They are frozen first, so that none starts another process, or leaves one behind by dying
 * before it, while they are being stopped; then each gets SIGTERM, and SIGKILL after 5 s.
 */
async function stopSetUpSteps() {
  const pids = new Set();
  for (let fresh = descendants(processes()); fresh.length > 0; ) {
    for (const pid of fresh) {
      pids.add(pid);
      send(pid, 'SIGSTOP');
    }
    fresh = descendants(processes()).filter((pid) => !pids.has(pid));
  }
  for (const pid of pids) {
    send(pid, 'SIGTERM');
    send(pid, 'SIGCONT');
  }
  const deadline = Date.now() + 5_000;
  for (let live = [...pids]; live.length > 0; ) {
    if (Date.now() > deadline) {
      for (const pid of live) send(pid, 'SIGKILL');
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
    const table = processes();
    live = live.filter((pid) => table.has(pid));
  }
}

function send(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
}

/** Live processes, pid to parent pid, but `ps` itself and what only waits to be reaped (POSIX `ps`). */
function processes() {
  const ps = spawnSync('ps', ['-A', '-o', 'pid=,ppid=,stat='], { encoding: 'utf8' });
  const table = new Map();
  for (const line of ps.status === 0 ? ps.stdout.split('\n') : []) {
    const [pid, ppid, stat] = line.trim().split(/\s+/);
    if (pid && Number(pid) !== ps.pid && !stat?.startsWith('Z')) table.set(Number(pid), Number(ppid));
  }
  return table;
}

/** Every process below this one. */
function descendants(table) {
  const out = [];
  const walk = (parent) => {
    for (const [pid, ppid] of table)
      if (ppid === parent) {
        out.push(pid);
        walk(pid);
      }
  };
  walk(process.pid);
  return out;
}

try {
  await installAll();
  go();
  // Without the demo, Elava reads the configured (real) AWS account: no emulator is started.
  const infra = await up({
    services: demo ? ['redis', 'nats', 'moto'] : ['redis', 'nats'],
    started,
    signal: stop.signal,
  });
  go();
  await build();
  go();
  const env = elavaEnv(demo ? infra.urls : { ...infra.urls, moto: undefined });
  env.ELAVA_CONFIG ??= join(ROOT, demo ? 'examples/demo.yaml' : 'elava.yaml');

  console.log('');
  console.log(bold('Elava'));
  console.log(`  redis   ${infra.urls.redis}`);
  console.log(`  nats    ${infra.urls.nats}  ${dim('(JetStream: ELAVA_WAL, ELAVA_CHANGES, ELAVA_DECISIONS)')}`);
  if (demo)
    console.log(
      `  aws     ${infra.urls.moto}  ${dim('(moto, a local AWS emulator, seeded with a demo estate that changes every few seconds)')}`,
    );
  console.log(`  config  ${env.ELAVA_CONFIG}`);
  console.log(`  web UI  http://127.0.0.1:${env.ELAVA_API_PORT ?? 7070}/  ${dim('(the query API under /v1/)')}`);
  console.log(
    dim(`
In another terminal: npx elava status | npx elava changes --since 5m | npx elava resources --at 5m | npx elava why <id>
`),
  );
  // Everything after set-up is `elava up`: every service as its own process, decisions printed.
  elava = spawn(
    process.execPath,
    [join(ROOT, 'services/cli/dist/main.js'), 'up', ...(demo ? ['--demo'] : []), ...args.filter((a) => a === '--logs')],
    {
      env,
      stdio: 'inherit',
    },
  );
  elava.on('exit', (code) => void shutdown(code ?? 1));
} catch (err) {
  // Once stopping, a step cut short fails: that is the stop, not an error.
  if (!stopping) {
    console.error(red(err instanceof SetupError ? err.message : err.stack));
    await shutdown(2);
  }
}
