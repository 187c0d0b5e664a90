import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreLockedError } from './errors.js';

const LOCK = 'LOCK';

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
      writeSync(fd, me);
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
      throw new StoreLockedError(dir, holder || 'unknown');
    }
  }
  throw new StoreLockedError(dir, 'could not take over a stale lock');
}
