#!/usr/bin/env node
// `npm test`: the same set-up as `npm start`, then every test; ends with "N passed, N failed".
// Extra arguments go to vitest (e.g. `npm test -- libs/store`).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, typecheckTests } from './lib/build.mjs';
import { elavaEnv } from './lib/env.mjs';
import { down, up } from './lib/infra.mjs';
import { installAll } from './lib/install.mjs';
import { HOME, ROOT } from './lib/paths.mjs';
import { red, SetupError, step } from './lib/term.mjs';

const results = join(HOME, 'test-results.json');
// Filled in by up() the moment each server exists, so a stop during set-up stops it too.
const started = [];
let code = 1;
let stopping = false;

async function stop() {
  if (stopping) return;
  stopping = true;
  await down(started);
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => void stop().then(() => process.exit(130)));
}

// A stale report must never be read as this run's result.
rmSync(results, { force: true });
try {
  step(`node ${process.version}`);
  await installAll({ browser: true });
  const infra = await up({ started });
  await build();
  await typecheckTests();
  mkdirSync(HOME, { recursive: true });
  step('running tests');
  code = await new Promise((resolvePromise) => {
    const child = spawn(
      'npx',
      [
        'vitest',
        'run',
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${results}`,
        ...process.argv.slice(2),
      ],
      { cwd: ROOT, stdio: 'inherit', env: { ...elavaEnv(infra.urls), ELAVA_INFRA: 'ready' } },
    );
    child.on('close', (c) => resolvePromise(c ?? 1));
  });
} catch (err) {
  console.error(red(err instanceof SetupError ? err.message : err.stack));
  code = 2;
} finally {
  await stop();
}

let passed = 0;
let failed = code === 0 ? 0 : 1;
let skipped = 0;
if (existsSync(results)) {
  const r = JSON.parse(readFileSync(results, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests + (code !== 0 && r.numFailedTests === 0 ? 1 : 0);
  skipped = r.numPendingTests + (r.numTodoTests ?? 0);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(code);
