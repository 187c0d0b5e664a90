import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Dispatch, parseDispatch } from './dispatch.js';

export type Rule = 'deny' | 'warn' | 'info';

/** One policy package as `npm run build` left it: policies/dist/<name>.wasm plus its rules. */
export interface CompiledPackage {
  name: string;
  rules: Rule[];
  wasm: Uint8Array;
  /** Whether a rule of it reads `input.now` (unknown: assumed so). */
  time?: boolean;
}

/** Every package, and (when it built) all of them in one module with the entrypoint elava_all/result. */
export interface CompiledLibrary {
  packages: CompiledPackage[];
  combined?: Uint8Array;
  /** Per-type entrypoints of the combined module (absent: every input meets every rule). */
  dispatch?: Dispatch;
}

/**
 * Reads the compiled library from `<policies.path>/dist`. A package listed but unreadable is a
 * problem named in the result; the others are still returned.
 */
export function readCompiled(policiesPath: string): CompiledLibrary & { problems: string[] } {
  const dist = join(policiesPath, 'dist');
  const manifestPath = join(dist, 'manifest.json');
  if (!existsSync(manifestPath)) {
    return {
      packages: [],
      problems: [`no compiled policies at ${dist}: run \`npm run build\` (it runs opa build -t wasm)`],
    };
  }
  let manifest: {
    packages?: { name?: unknown; rules?: unknown; time?: unknown }[];
    combined?: unknown;
    dispatch?: unknown;
  };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (err) {
    return { packages: [], problems: [`${manifestPath}: ${(err as Error).message}`] };
  }
  const packages: CompiledPackage[] = [];
  const problems: string[] = [];
  for (const p of manifest.packages ?? []) {
    const rules = Array.isArray(p.rules) ? p.rules.filter((r): r is Rule => ['deny', 'warn', 'info'].includes(r)) : [];
    if (typeof p.name !== 'string' || !/^[a-z0-9_]+$/.test(p.name) || rules.length === 0) {
      problems.push(`${manifestPath}: malformed entry ${JSON.stringify(p)}`);
      continue;
    }
    try {
      packages.push({
        name: p.name,
        rules,
        wasm: readFileSync(join(dist, `${p.name}.wasm`)),
        ...(typeof p.time === 'boolean' ? { time: p.time } : {}),
      });
    } catch (err) {
      problems.push(`policy package elava.${p.name}: ${(err as Error).message}`);
    }
  }
  let combined: Uint8Array | undefined;
  if (manifest.combined === 'all.wasm' && problems.length === 0) {
    try {
      combined = readFileSync(join(dist, 'all.wasm'));
    } catch (err) {
      problems.push(`the combined module: ${(err as Error).message}`);
    }
  }
  const dispatch = combined
    ? parseDispatch(
        manifest.dispatch,
        packages.map((p) => p.name),
      )
    : undefined;
  return { packages, ...(combined ? { combined } : {}), ...(dispatch ? { dispatch } : {}), problems };
}
