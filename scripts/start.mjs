#!/usr/bin/env node
// `npm start`: install what is missing, start Redis, NATS (JetStream) and moto, build, and run
// every Elava service as its own process. Ctrl-C stops everything it started, and nothing else.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { build } from './lib/build.mjs';
import { elavaEnv } from './lib/env.mjs';
import { down, up } from './lib/infra.mjs';
import { installAll } from './lib/install.mjs';
import { ROOT } from './lib/paths.mjs';
import { bold, dim, red, SetupError, step } from './lib/term.mjs';

const args = process.argv.slice(2);
const demo = !args.includes('--no-demo');
let started = [];
let elava = null;
let stopping = false;

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  // `elava up` got the same Ctrl-C and stops its services; the infrastructure goes after them.
  if (elava && elava.exitCode === null) await new Promise((r) => elava.once('exit', r));
  step('stopping …');
  await down(started);
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => {
  elava?.kill('SIGTERM');
  void shutdown(0);
});

try {
  await installAll();
  // Without the demo, Elava reads the configured (real) AWS account: no emulator is started.
  const infra = await up({ services: demo ? ['redis', 'nats', 'moto'] : ['redis', 'nats'] });
  started = infra.started;
  await build();
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
  console.log(`  api     http://127.0.0.1:7070/v1/status`);
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
  console.error(red(err instanceof SetupError ? err.message : err.stack));
  await shutdown(2);
}
