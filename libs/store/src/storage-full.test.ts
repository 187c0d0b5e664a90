import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageUnavailableError, StoreFailedError } from './errors.js';
import { listSegments, segmentName } from './format/segment.js';
import { Store } from './kvstore.js';
import { injectLogIoFaultForTests, type LogIoOp } from './log-io.js';
import { instance, scope, tempDir } from './testing/fixtures.js';

// A full disk here is the store's test seam (log-io.ts) answering ENOSPC, EROFS or EIO; the
// recorder's disk-full test fills a real tmpfs where the machine allows the mount.

const open: Store[] = [];
async function openStore(dir: string, opts = {}): Promise<Store> {
  const s = await Store.open(dir, opts);
  open.push(s);
  return s;
}
afterEach(async () => {
  injectLogIoFaultForTests(null);
  for (const s of open.splice(0)) await s.close().catch(() => {});
});

function fail(code: string, ops: LogIoOp[] = ['write', 'sync']) {
  injectLogIoFaultForTests((op) =>
    ops.includes(op)
      ? Object.assign(new Error(`${code}: injected, ${op}`), { code, syscall: op === 'sync' ? 'fdatasync' : 'write' })
      : null,
  );
}

const segBytes = (dir: string) => listSegments(dir).map((id) => statSync(join(dir, segmentName(id))).size);

/** Two committed revisions and an audit entry. */
async function seeded(dir: string, opts = {}) {
  const store = await openStore(dir, opts);
  await store.applyScan('p1', scope(), [instance(1)]);
  await store.applyScan('p2', scope(), [instance(2)]);
  await store.appendAudit({ type: 'scan_started', resource_id: '', data: {}, key: 'k1' });
  return store;
}

describe('the store on a full or read-only disk', () => {
  it('rejects the batch with a StorageUnavailableError, keeps the log and reads as they were, and resumes', async () => {
    const dir = tempDir();
    const store = await seeded(dir);
    const before = segBytes(dir);
    fail('ENOSPC');

    const err = await store.applyScan('p3', scope(), [instance(3)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageUnavailableError);
    expect(err).toBeInstanceOf(StoreFailedError);
    expect(err).toMatchObject({ code: 'ENOSPC', dir, syscall: 'write' });
    expect((err as Error).message).toContain(`no space left on device in ${dir}`);

    // Nothing of it is visible, and nothing of it is on disk.
    expect(store.revision).toBe(2);
    expect(store.isApplied('p3')).toBe(false);
    expect(store.get(instance(3).id)).toBeNull();
    expect(store.get(instance(1).id)?.resource).toMatchObject({ native_id: 'i-00000001' });
    expect(store.changesSince(0).map((c) => c.id)).toEqual([instance(1).id, instance(2).id]);
    expect(store.audit().map((e) => e.type)).toEqual(['scan_started']);
    expect(segBytes(dir)).toEqual(before);

    // Writes stay stopped, with the same error, and a probe fails while the disk is full.
    await expect(store.applyScan('p4', scope(), [instance(4)])).rejects.toBe(err);
    await expect(store.appendAudit({ type: 'scan_started', resource_id: '', data: {} })).rejects.toBe(err);
    await expect(store.resume()).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(segBytes(dir)).toEqual(before);

    injectLogIoFaultForTests(null);
    await expect(store.resume()).resolves.toBe(true);
    await expect(store.resume()).resolves.toBe(false);
    // The failed batch was never applied: its retry is a new revision, not a duplicate.
    const r3 = await store.applyScan('p3', scope(), [instance(3)]);
    expect(r3).toMatchObject({ revision: 3, duplicate: false, deltas: [{ id: instance(3).id, kind: 'added' }] });
    await store.appendAudit({ type: 'scan_started', resource_id: '', data: {}, key: 'k2' });
    expect(store.verifyAudit()).toMatchObject({ ok: true, entries: 2 });
    await store.close();

    const again = await openStore(dir);
    expect(again.revision).toBe(3);
    expect(again.report.torn).toBeNull();
    expect([...again.range()].map((v) => v.id)).toEqual([1, 2, 3].map((n) => instance(n).id));
    expect(again.verifyAudit()).toMatchObject({ ok: true, entries: 2 });
  });

  it('cuts a batch whose fdatasync failed back off the log: a reopen sees only committed revisions', async () => {
    const dir = tempDir();
    const store = await seeded(dir);
    const before = segBytes(dir);
    fail('ENOSPC', ['sync']);
    // A group of several batches and an audit entry: all of it fails together.
    const results = await Promise.allSettled([
      store.applyScan('p3', scope(), [instance(3)]),
      store.applyScan('p4', scope(), [instance(4)]),
      store.appendAudit({ type: 'scan_started', resource_id: '', data: {}, key: 'k2' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'ENOSPC', syscall: 'fdatasync' });
    expect(store.auditByKey('k2')).toBeUndefined();
    expect(segBytes(dir)).toEqual(before);
    await store.close();

    injectLogIoFaultForTests(null);
    const again = await openStore(dir);
    expect(again.revision).toBe(2);
    expect(again.report.torn).toBeNull();
    expect(again.isApplied('p3')).toBe(false);
    expect(again.audit()).toHaveLength(1);
    expect((await again.applyScan('p3', scope(), [instance(3)])).revision).toBe(3);
  });

  it('removes a segment the failed batch started', async () => {
    const dir = tempDir();
    // Small segments: every revision starts a new one.
    const store = await seeded(dir, { segmentBytes: 256 });
    const before = segBytes(dir);
    expect(before.length).toBeGreaterThan(1);
    fail('ENOSPC', ['write']);
    await expect(store.applyScan('p3', scope(), [instance(3)])).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(segBytes(dir)).toEqual(before);

    injectLogIoFaultForTests(null);
    expect(await store.resume()).toBe(true);
    expect((await store.applyScan('p3', scope(), [instance(3)])).revision).toBe(3);
    await store.close();
    const again = await openStore(dir, { segmentBytes: 256 });
    expect(again.revision).toBe(3);
    expect(again.get(instance(3).id)).not.toBeNull();
  });

  it('names a read-only directory', async () => {
    const dir = tempDir();
    const store = await seeded(dir);
    fail('EROFS');
    const err = await store.applyScan('p3', scope(), [instance(3)]).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'StorageUnavailableError', code: 'EROFS' });
    expect((err as Error).message).toContain(`read-only file system at ${dir}`);
    injectLogIoFaultForTests(null);
    expect(await store.resume()).toBe(true);
    expect((await store.applyScan('p3', scope(), [instance(3)])).revision).toBe(3);
  });

  it('stays fail-stop after an I/O error: resume refuses, a reopen takes writes', async () => {
    const dir = tempDir();
    const store = await seeded(dir);
    fail('EIO', ['sync']);
    const err = await store.applyScan('p3', scope(), [instance(3)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreFailedError);
    expect(err).not.toBeInstanceOf(StorageUnavailableError);
    injectLogIoFaultForTests(null);
    await expect(store.resume()).rejects.toBe(err);
    await expect(store.applyScan('p3', scope(), [instance(3)])).rejects.toBe(err);
    await store.close();
    const again = await openStore(dir);
    expect(again.revision).toBe(2);
    expect((await again.applyScan('p3', scope(), [instance(3)])).revision).toBe(3);
  });
});
