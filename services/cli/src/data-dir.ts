import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { loadConfig } from '@elava/config';
import { repoRoot } from './cluster.js';
import { CliError, type Io } from './io.js';

/** `--data-dir`, else ELAVA_DATA_DIR, else the configuration's `storage.dir`. */
export function dataDir(io: Io, opts: { dataDir?: string; config?: string }): string {
  if (opts.dataDir) return resolve(io.cwd, opts.dataDir);
  return loadConfig({ path: opts.config, env: io.env, cwd: io.cwd }).config.storage.dir;
}

/**
 * The data directory of a store that exists: the verbs that read or mend the store itself never make
 * an empty one where a path was mistyped. The usual miss is `npm start`'s demo, whose store is not
 * the default one, so the refusal says where that is.
 */
export function existingDataDir(io: Io, opts: { dataDir?: string; config?: string }): string {
  const dir = dataDir(io, opts);
  if (existsSync(dir)) return dir;
  let hint = '';
  try {
    const root = repoRoot();
    const demo = join(root, '.elava', 'demo-data');
    if (existsSync(demo) && demo !== dir)
      hint = `; the demo that \`npm start\` runs keeps its store in ${relative(io.cwd, demo) || '.'}: add --config ${relative(io.cwd, join(root, 'examples', 'demo.yaml'))}`;
  } catch {
    // An installed CLI outside the repository: no demo to point at.
  }
  throw new CliError(`no store at ${dir} (set --data-dir, ELAVA_DATA_DIR or storage.dir)${hint}`);
}
