import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CompiledLibrary, readCompiled } from '@elava/policy';
import { CliError, EXIT } from '../io.js';

const buildScript = () => fileURLToPath(import.meta.resolve('@elava/policies/build.mjs'));

/** How a package of the library tried differs from the one in service. */
export type PackageStatus = 'same' | 'changed' | 'new' | 'removed';

export interface BacktestLibraries {
  /** The library tried, compiled from its sources. */
  candidate: CompiledLibrary;
  /** The library in service, when a package differs (only those packages' findings are compared). */
  baseline?: CompiledLibrary;
  /** Every package of either library (`elava.<name>`) and how it differs. */
  packages: Map<string, PackageStatus>;
  /** Why there is nothing in service to compare with, when there is not. */
  noService?: string;
  cleanup(): void;
}

/**
 * Compiles the library at `sources` (its packages' Rego, never its dist/) into a temporary
 * directory with `policies/build.mjs --dir`, so the library in service (`<servicePath>/dist`,
 * which the policy service watches) is left alone, and compares it package by package with the
 * library in service.
 *
 * A compiled module carries the absolute paths of its sources, and nothing else that depends on
 * where it was built. The copy is therefore made at a path exactly as long as the service
 * library's: a package whose sources did not change compiles to the very bytes in service once
 * that path is swapped in. When every package is the same, each input is evaluated once; when one
 * differs, the library in service is evaluated too and only the differing packages' findings are
 * compared (a byte-for-byte test: a library in service built elsewhere compares as changed
 * everywhere, which is slower, never wrong).
 */
export function compileLibraries(sources: string, servicePath: string, env: NodeJS.ProcessEnv): BacktestLibraries {
  if (!existsSync(sources) || !statSync(sources).isDirectory())
    throw new CliError(`no policy library at ${sources} (--policies takes a directory of packages, like policies/)`);
  const { base, root } = tempRootLike(servicePath);
  const cleanup = () => rmSync(base, { recursive: true, force: true });
  try {
    mkdirSync(root, { recursive: true });
    cpSync(sources, root, {
      recursive: true,
      filter: (src) => {
        const top = relative(sources, src).split(sep)[0];
        return top !== 'dist' && top !== 'node_modules';
      },
    });
    const built = spawnSync(process.execPath, [buildScript(), '--dir', root], { encoding: 'utf8', env });
    if (built.error) throw new CliError(`cannot run the policy build: ${built.error.message}`);
    if (built.status !== 0)
      throw new CliError(
        `the library at ${sources} does not compile:\n${`${built.stdout}${built.stderr}`.trim()}`,
        EXIT.finding,
      );
    const { problems, ...candidate } = readCompiled(root);
    if (problems.length > 0 || candidate.packages.length === 0)
      throw new CliError(
        `the library at ${sources} compiled to nothing usable: ${problems.join('; ') || 'no packages'}`,
      );
    const { problems: missing, ...service } = readCompiled(servicePath);
    const packages = new Map<string, PackageStatus>();
    const serviceBy = new Map(service.packages.map((p) => [p.name, p]));
    const differing = new Set<string>();
    for (const p of candidate.packages) {
      const s = serviceBy.get(p.name);
      const status: PackageStatus = !s ? 'new' : sameModule(p.wasm, root, s.wasm, servicePath) ? 'same' : 'changed';
      packages.set(`elava.${p.name}`, status);
      if (status === 'changed') differing.add(p.name);
    }
    for (const s of service.packages)
      if (!packages.has(`elava.${s.name}`)) {
        packages.set(`elava.${s.name}`, 'removed');
        differing.add(s.name);
      }
    return {
      candidate,
      ...(differing.size > 0 && service.packages.length > 0 ? { baseline: baselineOf(service, differing) } : {}),
      packages,
      ...(service.packages.length === 0
        ? { noService: missing.join('; ') || `no packages in ${servicePath}/dist` }
        : {}),
      cleanup,
    };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/**
 * What of the library in service is evaluated: the differing packages alone (a call per rule of
 * each) when they are few, else the whole library in one call of its combined module, which costs
 * about as much as three packages' rules one by one.
 */
function baselineOf(service: CompiledLibrary, differing: ReadonlySet<string>): CompiledLibrary {
  if (differing.size <= BASELINE_ALONE || !service.combined)
    return { packages: service.packages.filter((p) => differing.has(p.name)) };
  return service;
}

/** Differing packages up to this many are evaluated one by one (see baselineOf). */
const BASELINE_ALONE = 2;

/** A fresh directory whose path is as long (in bytes) as `target`, when one can be made so. */
function tempRootLike(target: string): { base: string; root: string } {
  const base = mkdtempSync(join(tmpdir(), 'e'));
  let left = Buffer.byteLength(target) - Buffer.byteLength(base) - 1;
  if (left < 1) return { base, root: join(base, 'policies') };
  // Names of at most 199 bytes, each with its `/`, to the exact length.
  const parts: string[] = [];
  for (; left > 200; left -= 200) parts.push('p'.repeat(199));
  parts.push('p'.repeat(left));
  return { base, root: join(base, ...parts) };
}

/** Byte-equal once the source path each was compiled at is swapped for the other's. */
export function sameModule(a: Uint8Array, aRoot: string, b: Uint8Array, bRoot: string): boolean {
  const x = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const y = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (x.length !== y.length) return false;
  if (x.equals(y)) return true;
  const from = Buffer.from(aRoot);
  const to = Buffer.from(bRoot);
  if (from.length !== to.length) return false;
  const swapped = Buffer.from(x);
  for (let i = swapped.indexOf(from); i >= 0; i = swapped.indexOf(from, i + to.length)) to.copy(swapped, i);
  return swapped.equals(y);
}
