import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A store's identity: made once with the store and kept in its directory (IDENTITY). Everything
 * outside the store that is derived from its state — job ids, dedup keys, change and decision ids,
 * Redis keys — includes it, because revisions restart at 1 in a new store and would otherwise
 * collide with what an earlier store left in Redis or in JetStream's duplicate window.
 */
export const IDENTITY_FILE = 'IDENTITY';
const FORMAT = /^[0-9a-f]{12}$/;

export class InvalidIdentityError extends Error {
  constructor(file: string, found: string) {
    super(
      `${file} holds ${JSON.stringify(found.slice(0, 40))}, not a store identity (12 hex digits); ` +
        'restore the file from a backup of this store, or delete it to give the store a new identity',
    );
    this.name = 'InvalidIdentityError';
  }
}

export function newStoreId(): string {
  return randomBytes(6).toString('hex');
}

/** The directory's identity; made (durably: written aside, fsynced, renamed) when it has none. */
export function loadOrCreateIdentity(dir: string): { id: string; created: boolean } {
  const file = join(dir, IDENTITY_FILE);
  if (existsSync(file)) {
    const found = readFileSync(file, 'utf8').trim();
    if (!FORMAT.test(found)) throw new InvalidIdentityError(file, found);
    return { id: found, created: false };
  }
  const id = newStoreId();
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${id}\n`);
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
  return { id, created: true };
}
