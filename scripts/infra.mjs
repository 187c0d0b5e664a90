#!/usr/bin/env node
// `npm run infra -- up|down|status`: the infrastructure alone. `up` stays in the foreground
// until Ctrl-C and then stops what it started; `down` stops what an earlier run left behind.
import { down, status, up } from './lib/infra.mjs';
import { installAll } from './lib/install.mjs';
import { bold, red, SetupError, step } from './lib/term.mjs';

const verb = process.argv[2] ?? 'status';
const abort = new AbortController();
let stopping = false;
try {
  if (verb === 'up') {
    // Handlers first: a signal while a server is starting stops what was started so far.
    const started = [];
    const stop = () => {
      if (stopping) return;
      stopping = true;
      abort.abort();
      void down(started).then(() => process.exit(0));
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stop);
    await installAll();
    await up({ started, signal: abort.signal });
    step(
      `${bold('ready')}; Ctrl-C stops ${started.length > 0 ? started.join(', ') : 'nothing (all were already running)'}`,
    );
    setInterval(() => {}, 1 << 30);
  } else if (verb === 'down') {
    await down();
  } else if (verb === 'status') {
    for (const [name, s] of Object.entries(await status())) {
      console.log(`${name.padEnd(6)} ${s.status.padEnd(5)} ${s.url}${s.startedByElava ? ' (started by elava)' : ''}`);
    }
  } else {
    console.error('usage: npm run infra -- up|down|status');
    process.exit(2);
  }
} catch (err) {
  // Stopped during start-up: the stop in progress exits once what was started is down.
  if (!stopping) {
    console.error(red(err instanceof SetupError ? err.message : err.stack));
    process.exit(2);
  }
}
