import { copyFileSync, existsSync, linkSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { IDENTITY_FILE, Store } from '@elava/store';
import { CliError } from '../io.js';

const SEGMENT = /^seg-\d+\.log$/;
const CHECKPOINT = 'index.ckpt';
const COMPACTION = 'COMPACTION.json';
const ATTEMPTS = 5;

/**
 * A point-in-time copy of a store directory that a backtest opens without the writer's lock, so
 * it runs beside a live recorder and never touches its files. Sealed segments are never written
 * again (compaction writes new files and renames them in), so they are hard-linked; the active
 * one, the checkpoint and the identity are copied. Opening the copy may cut a torn tail off its
 * last segment, which is the copy's own. Beside the store when the directory allows links, in
 * the system's temporary directory (all copied) otherwise.
 */
export async function openSnapshot(dataDir: string): Promise<{ store: Store; close: () => Promise<void> }> {
  if (!existsSync(dataDir))
    throw new CliError(`no store at ${dataDir} (set --data-dir, ELAVA_DATA_DIR or storage.dir)`);
  let lastError: unknown;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    // A compaction swapping files in: wait for it rather than copy half of it.
    if (existsSync(join(dataDir, COMPACTION))) {
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
      continue;
    }
    const dir = snapshotDir(dataDir);
    try {
      copyInto(dataDir, dir);
      const store = await Store.open(dir, { lock: false });
      return {
        store,
        close: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      // A segment compacted away between listing and linking: take the copy again.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      lastError = err;
    }
  }
  throw new CliError(
    `cannot take a consistent copy of the store at ${dataDir}: ${lastError ? (lastError as Error).message : 'a compaction is running'}`,
  );
}

function snapshotDir(dataDir: string): string {
  try {
    return mkdtempSync(join(dirname(dataDir), `.${basename(dataDir)}-backtest-`));
  } catch {
    return mkdtempSync(join(tmpdir(), 'elava-backtest-store-'));
  }
}

function copyInto(from: string, to: string): void {
  // The checkpoint first: it names a position in the log, which the segments listed after it reach.
  for (const f of [IDENTITY_FILE, CHECKPOINT]) if (existsSync(join(from, f))) copyFileSync(join(from, f), join(to, f));
  const segments = readdirSync(from)
    .filter((f) => SEGMENT.test(f))
    .sort();
  for (const [i, f] of segments.entries()) {
    if (i === segments.length - 1) copyFileSync(join(from, f), join(to, f));
    else link(join(from, f), join(to, f));
  }
}

function link(src: string, dst: string): void {
  try {
    linkSync(src, dst);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw err;
    // Another file system, or links not allowed: a copy does the same.
    copyFileSync(src, dst);
  }
}
