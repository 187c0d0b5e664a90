import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORE_ID } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { IDENTITY_FILE, InvalidIdentityError } from './identity.js';
import { Store } from './kvstore.js';
import { instance, scope, tempDir } from './testing/fixtures.js';

describe('store identity', () => {
  it('is made with the store, kept in its directory, and the same after a reopen', async () => {
    const dir = tempDir();
    const first = await Store.open(dir);
    expect(first.id).toMatch(STORE_ID);
    expect(readFileSync(join(dir, IDENTITY_FILE), 'utf8').trim()).toBe(first.id);
    await first.applyScan('scan1/p0', scope(), [instance(1)], { complete: true });
    expect(first.stats().id).toBe(first.id);
    await first.close();
    const again = await Store.open(dir);
    expect(again.id).toBe(first.id);
    await again.close();
  });

  it('differs between two stores, so nothing derived from one is taken for the other', async () => {
    const [a, b] = await Promise.all([Store.open(tempDir()), Store.open(tempDir())]);
    expect(a.id).not.toBe(b.id);
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses to open a store whose identity file is damaged, naming the file', async () => {
    const dir = tempDir();
    await (await Store.open(dir)).close();
    writeFileSync(join(dir, IDENTITY_FILE), 'not an id\n');
    await expect(Store.open(dir)).rejects.toThrow(InvalidIdentityError);
    await expect(Store.open(dir)).rejects.toThrow(join(dir, IDENTITY_FILE));
  });

  it('is not written by a reader of a copy that takes no lock', async () => {
    const dir = tempDir();
    const reader = await Store.open(dir, { lock: false });
    expect(reader.id).toBe('unknown');
    expect(existsSync(join(dir, IDENTITY_FILE))).toBe(false);
    await reader.close();
  });
});
