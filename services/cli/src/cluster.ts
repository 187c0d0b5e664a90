import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ServiceEntry {
  name: string;
  entry: string;
  instances: number;
  /** Started only with `--demo` (the demo estate and its churn). */
  demo: boolean;
  /** Started only when this configuration key is true (`events.enabled`): `"elava": {"when": …}`. */
  when?: string;
  /**
   * Node flags the service runs with (`"elava": {"node_flags": […]}`), before its entry point: V8's
   * heap defaults size themselves to the machine, not to what the service holds. They go in
   * NODE_OPTIONS ahead of the environment's own, so a NODE_OPTIONS set by the operator wins (the
   * same flags are the scanner's NODE_OPTIONS in docker-compose.yml).
   */
  nodeFlags: string[];
}

/** Only V8 heap sizes: a manifest is no place to turn on inspectors or loaders. */
const NODE_FLAG = /^--(max-old-space-size|max-semi-space-size)=\d+$/;

function nodeFlagsOf(name: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((f) => typeof f === 'string' && NODE_FLAG.test(f)))
    throw new Error(
      `services/${name}/package.json: elava.node_flags must be a list of V8 heap flags (${NODE_FLAG.source}), got ${JSON.stringify(value)}`,
    );
  return value;
}

/** Whether a service's `when` key (a dotted path into the configuration) is true; no key: always. */
export function wanted(svc: Pick<ServiceEntry, 'when'>, config: object): boolean {
  if (!svc.when) return true;
  let v: unknown = config;
  for (const part of svc.when.split('.'))
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v === true;
}

export interface Running {
  label: string;
  child: ChildProcess;
}

/** The repository this CLI belongs to: the nearest directory up with a services/ folder. */
export function repoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir))
    if (existsSync(join(dir, 'services')) && existsSync(join(dir, 'package.json'))) return dir;
  throw new Error(`no Elava repository above ${from}`);
}

/** Every workspace under services/ that declares `"elava": {"start": …}`. */
export function discoverServices(root = repoRoot()): ServiceEntry[] {
  const dir = join(root, 'services');
  return readdirSync(dir)
    .map((name) => ({ name, file: join(dir, name, 'package.json') }))
    .filter(({ file }) => existsSync(file))
    .map(({ name, file }) => ({ name, pkg: JSON.parse(readFileSync(file, 'utf8')) }))
    .filter(({ pkg }) => pkg.elava?.start)
    .map(({ name, pkg }) => ({
      name,
      entry: join(dir, name, pkg.elava.start),
      instances: pkg.elava.instances ?? 1,
      demo: pkg.elava.demo === true,
      ...(typeof pkg.elava.when === 'string' ? { when: pkg.elava.when } : {}),
      nodeFlags: nodeFlagsOf(name, pkg.elava.node_flags),
    }));
}

// Should `elava up` itself die, its services go with it (one listener for all of them).
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** What stops a cluster: Ctrl-C, a service manager's or container runtime's stop, a closed terminal. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Calls `stop` on every stop signal until the returned function is called. Install it before the
 * first service starts: a signal's default action ends this process without its `exit` listeners,
 * and the services, in process groups of their own, would run on. Every signal is caught, not just
 * the first: a Ctrl-C at a terminal reaches `elava up` and `npm start`, which passes a stop on, and
 * that second signal must not end `elava up` half-way through stopping its services.
 */
export function onStopSignals(stop: (signal: NodeJS.Signals) => void): () => void {
  for (const signal of STOP_SIGNALS) process.on(signal, stop);
  return () => {
    for (const signal of STOP_SIGNALS) process.off(signal, stop);
  };
}

/** The manifest's flags first: V8 takes the last of a flag given twice, so the operator's win. */
export function nodeOptions(flags: string[], given: string | undefined): { NODE_OPTIONS?: string } {
  const all = [...flags, ...(given ? [given] : [])].join(' ');
  return all ? { NODE_OPTIONS: all } : {};
}

/** One process per instance, its output prefixed with its name; its own process group. */
export function startService(
  svc: ServiceEntry,
  index: number,
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
): Running {
  const label = svc.instances > 1 ? `${svc.name}-${index + 1}` : svc.name;
  // Own process group: Ctrl-C reaches only `elava up`, which then stops each service once with
  // SIGTERM (a service given SIGINT and SIGTERM together would exit abruptly). The IPC channel
  // is how a service learns that `elava up` died without stopping it (libs/service runtime.ts).
  const child = spawn(process.execPath, [svc.entry], {
    env: { ...env, ELAVA_INSTANCE: label, ...nodeOptions(svc.nodeFlags, env.NODE_OPTIONS) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  });
  children.add(child);
  for (const stream of [child.stdout, child.stderr])
    if (stream) createInterface({ input: stream }).on('line', (line) => print(`${label.padEnd(12)} ${line}`));
  return { label, child };
}

export async function stopAll(running: Running[], timeoutMs = 10_000): Promise<void> {
  await Promise.all(
    running.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
          child.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}
