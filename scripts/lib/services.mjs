// Finds the Elava services (workspaces under services/ that declare `"elava": {"start": …}`)
// and runs each as its own process, its output prefixed with its name.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './paths.mjs';
import { dim } from './term.mjs';

export function discoverServices() {
  const dir = join(ROOT, 'services');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ name, file: join(dir, name, 'package.json') }))
    .filter(({ file }) => existsSync(file))
    .map(({ name, file }) => ({ name, dir: join(dir, name), pkg: JSON.parse(readFileSync(file, 'utf8')) }))
    .filter(({ pkg }) => pkg.elava?.start)
    .map(({ name, dir: d, pkg }) => ({ name, entry: join(d, pkg.elava.start), instances: pkg.elava.instances ?? 1 }));
}

export function startService(svc, index, env) {
  const label = svc.instances > 1 ? `${svc.name}-${index + 1}` : svc.name;
  // Own process group: Ctrl-C reaches only `npm start`, which then stops each service once, in
  // order, with SIGTERM (a service given SIGINT and SIGTERM together would exit abruptly).
  const child = spawn(process.execPath, [svc.entry], {
    env: { ...env, ELAVA_INSTANCE: label },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  // Should `npm start` itself die, its services go with it.
  process.once('exit', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => console.log(`${dim(label.padEnd(12))} ${line}`));
  }
  return { label, child };
}

export async function stopAll(running, timeoutMs = 10_000) {
  await Promise.all(
    running.map(
      ({ child }) =>
        new Promise((resolvePromise) => {
          if (child.exitCode !== null) return resolvePromise();
          const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
          child.once('close', () => {
            clearTimeout(timer);
            resolvePromise();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}
