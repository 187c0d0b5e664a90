import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreLockedError } from './errors.js';

const LOCK = 'LOCK';
/**
 * An empty lock is one whose holder was between creating it and writing its name, or died there
 * (a full disk refused the name): older than this, it is taken over like a dead holder's.
 */
const EMPTY_LOCK_STALE_MS = 10_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One writer per data directory. The lock names its holder; a lock whose process is gone (it
 * crashed or was killed) is taken over, so a standby can start once the holder dies.
 */
export function acquireLock(dir: string): () => void {
  const path = join(dir, LOCK);
  const me = `${process.pid}@${hostname()}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, me);
      } catch (err) {
        // Not left behind empty (a full disk): the next start would find a lock naming no one.
        closeSync(fd);
        rmSync(path, { force: true });
        throw err;
      }
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8') === me) rmSync(path);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = '';
      try {
        holder = readFileSync(path, 'utf8');
      } catch {
        continue;
      }
      const [pid, host] = holder.split('@');
      if (host === hostname() && pid && !alive(Number(pid))) {
        rmSync(path, { force: true });
        continue;
      }
      if (holder === '' && staleEmpty(path)) {
        rmSync(path, { force: true });
        continue;
      }
      throw new StoreLockedError(dir, holder || 'unknown');
    }
  }
  throw new StoreLockedError(dir, 'could not take over a stale lock');
}

function staleEmpty(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > EMPTY_LOCK_STALE_MS;
  } catch {
    return true;
  }
}
