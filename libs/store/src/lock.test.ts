import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreLockedError } from './errors.js';
import { acquireLock } from './lock.js';
import { tempDir } from './testing/fixtures.js';

const me = `${process.pid}@${hostname()}`;

describe('acquireLock', () => {
  it('names its holder, refuses a second writer, and lets go', () => {
    const dir = tempDir();
    const release = acquireLock(dir);
    expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toBe(me);
    expect(() => acquireLock(dir)).toThrow(StoreLockedError);
    release();
    acquireLock(dir)();
  });

  it('takes over the lock of a holder that is gone', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'LOCK'), `999999999@${hostname()}`);
    acquireLock(dir)();
  });

  it('takes over an empty lock left long ago (a full disk refused its name), not a fresh one', () => {
    const dir = tempDir();
    const path = join(dir, 'LOCK');
    writeFileSync(path, '');
    // Fresh: its holder may be writing its name right now.
    expect(() => acquireLock(dir)).toThrow(StoreLockedError);
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    const release = acquireLock(dir);
    expect(readFileSync(path, 'utf8')).toBe(me);
    release();
  });
});
