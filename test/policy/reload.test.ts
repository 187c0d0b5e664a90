import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PolicyLibrary } from '@elava/policy';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLog } from '../support/infra.js';

const bucket = (i: number) => ({
  resource: {
    id: `aws:123456789012:us-east-1:s3.bucket:b-${i}`,
    type: 's3.bucket',
    native_id: `b-${i}`,
    account: '123456789012',
    region: 'us-east-1',
    tags: {},
    attributes: { acl_public: true, policy_public: false, encryption: 'AES256' },
  },
  now: '2026-11-22T00:00:00Z',
});

/** A copy of the compiled library the test may break without touching the build's. */
function libraryCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'elava-policies-'));
  cpSync(resolve(import.meta.dirname, '../../policies/dist'), join(dir, 'dist'), { recursive: true });
  return dir;
}

describe('policy library reload', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('swaps the library under a stream of batches without losing or failing one', async () => {
    const dir = libraryCopy();
    const library = await PolicyLibrary.open({ path: dir, data: {}, log: silentLog, threads: 2 });
    cleanup.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => library.close(),
    );

    const pools = new Set([library.current]);
    const batches: Promise<{ findings: { package: string }[] }[]>[] = [];
    let n = 0;
    for (let round = 0; round < 3; round++) {
      // Batches keep being handed to the pool of the moment while the next one loads, so some are
      // still running on the old pool when it is swapped out.
      let swapped = false;
      const reloading = library.reload().then(() => {
        swapped = true;
      });
      while (!swapped) {
        batches.push(library.current.evaluate(Array.from({ length: 1_000 }, () => bucket(n++))));
        await new Promise((r) => setTimeout(r, 5));
      }
      await reloading;
      pools.add(library.current);
    }
    const results = (await Promise.all(batches)).flat();
    expect(pools.size).toBe(4);
    expect(results).toHaveLength(n);
    for (const r of results) expect(r.findings.map((f) => f.package)).toContain('elava.security');
  });

  it('keeps the loaded library when the rebuilt one cannot be read', async () => {
    const dir = libraryCopy();
    const library = await PolicyLibrary.open({ path: dir, data: {}, log: silentLog, threads: 1 });
    cleanup.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => library.close(),
    );
    const before = library.current;

    writeFileSync(join(dir, 'dist', 'manifest.json'), '{ half a file');
    await expect(library.reload()).rejects.toThrow(/manifest/);
    expect(library.current).toBe(before);
    const [r] = await library.current.evaluate([bucket(1)]);
    expect(r?.findings.some((f) => f.package === 'elava.security')).toBe(true);
  });
});
