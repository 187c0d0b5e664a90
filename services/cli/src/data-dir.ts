import { resolve } from 'node:path';
import { loadConfig } from '@elava/config';
import type { Io } from './io.js';

/** `--data-dir`, else ELAVA_DATA_DIR, else the configuration's `storage.dir`. */
export function dataDir(io: Io, opts: { dataDir?: string; config?: string }): string {
  if (opts.dataDir) return resolve(io.cwd, opts.dataDir);
  return loadConfig({ path: opts.config, env: io.env, cwd: io.cwd }).config.storage.dir;
}
