#!/usr/bin/env node
// `npm start`: install what is missing, start Redis, NATS (JetStream) and moto, build, and run
// every Elava service as its own process. Ctrl-C stops everything it started, and nothing else.
import { join } from 'node:path';
import { build } from './lib/build.mjs';
import { elavaEnv } from './lib/env.mjs';
import { down, up } from './lib/infra.mjs';
import { installAll } from './lib/install.mjs';
import { ROOT } from './lib/paths.mjs';
import { discoverServices, startService, stopAll } from './lib/services.mjs';
import { bold, dim, red, SetupError, step } from './lib/term.mjs';

const args = process.argv.slice(2);
const demo = !args.includes('--no-demo');
let started = [];
const running = [];
let stopping = false;

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  step('stopping …');
  await stopAll(running);
  await down(started);
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  await installAll();
  // Without the demo, Elava reads the configured (real) AWS account: no emulator is started.
  const infra = await up({ services: demo ? ['redis', 'nats', 'moto'] : ['redis', 'nats'] });
  started = infra.started;
  await build();
  const env = elavaEnv(demo ? infra.urls : { ...infra.urls, moto: undefined });
  env.ELAVA_CONFIG ??= join(ROOT, demo ? 'examples/demo.yaml' : 'elava.yaml');

  console.log('');
  console.log(bold('Elava is running'));
  console.log(`  redis   ${infra.urls.redis}`);
  console.log(`  nats    ${infra.urls.nats}  ${dim('(JetStream: ELAVA_WAL, ELAVA_CHANGES, ELAVA_DECISIONS)')}`);
  if (demo) console.log(`  aws     ${infra.urls.moto}  ${dim('(moto, a local AWS emulator)')}`);
  console.log(`  config  ${env.ELAVA_CONFIG}`);
  const services = discoverServices();
  for (const svc of services) {
    for (let i = 0; i < svc.instances; i++) running.push(startService(svc, i, env));
  }
  console.log(
    services.length > 0
      ? `  services ${running.map((r) => r.label).join(', ')}`
      : `  services ${dim('none built yet: only the infrastructure is up')}`,
  );
  console.log(dim('\nCtrl-C stops everything this command started.\n'));
  for (const r of running) {
    r.child.on('exit', (code, signal) => {
      if (stopping) return;
      console.log(red(`${r.label} exited (${signal ?? code}); stopping`));
      void shutdown(1);
    });
  }
  setInterval(() => {}, 1 << 30);
} catch (err) {
  console.error(red(err instanceof SetupError ? err.message : err.stack));
  await shutdown(2);
}
