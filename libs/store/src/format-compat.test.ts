import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyResource } from '@elava/types';
import { afterEach, describe, expect, it } from 'vitest';
import { CHECKPOINT_FILE } from './checkpoint.js';
import { Store } from './kvstore.js';
import { scope, tempDir } from './testing/fixtures.js';

/**
 * testing/format-1 was written by the store as it was before issue 19 rewrote its write path (commit
 * 91f98a9): four scans of ec2.instance, a tombstone and a reappearance, audit entries with a revision
 * and alone, a checkpoint after the third scan and one at close. The store of today must read it, from its
 * checkpoint and from the log alone, and go on writing to it.
 */
const FIXTURE = join(import.meta.dirname, 'testing', 'format-1');
/** The instances the fixture holds, as its maker wrote them. */
const instance = (n: number, state = 'running'): AnyResource =>
  ({
    id: id(n),
    provider: 'aws',
    account: '123456789012',
    region: 'us-east-1',
    type: 'ec2.instance',
    native_id: `i-${String(n).padStart(8, '0')}`,
    name: `web-${n}`,
    status: state,
    tags: { Name: `web-${n}` },
    attributes: { instance_type: 't3.micro', state },
  }) as unknown as AnyResource;
function id(n: number): string {
  return `aws:123456789012:us-east-1:ec2.instance:i-${String(n).padStart(8, '0')}`;
}

const open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => {});
});

async function copy(withCheckpoint: boolean): Promise<Store> {
  const dir = tempDir();
  cpSync(FIXTURE, dir, { recursive: true });
  if (!withCheckpoint) rmSync(join(dir, CHECKPOINT_FILE));
  const store = await Store.open(dir);
  open.push(store);
  return store;
}

describe('a data directory of the earlier format', () => {
  for (const withCheckpoint of [true, false]) {
    it(`reads ${withCheckpoint ? 'from its checkpoint' : 'from the log alone'}, and takes writes`, async () => {
      const store = await copy(withCheckpoint);
      expect(store.report.checkpoint).toBe(withCheckpoint ? 'loaded' : 'absent');
      expect(store.revision).toBe(4);
      expect(store.stats()).toMatchObject({ resources: 4, versions: 9, audit_entries: 2 });
      expect(store.history(id(1)).map((v) => [v.revision.main, v.resource?.status])).toEqual([
        [1, 'running'],
        [2, 'stopped'],
        [3, 'stopped'],
        [4, 'running'],
      ]);
      expect(store.get(id(3), 2)).toBeNull();
      expect(store.get(id(3))?.version).toBe(1);
      expect([...store.range({ tag: 'team=a' })].map((v) => v.id)).toEqual([id(1)]);
      expect([...store.range({ type: 'ec2.instance' }, { at: 2 })].map((v) => v.id)).toEqual([id(1), id(2)]);
      expect(store.changesSince(3).map((c) => [c.id, c.kind])).toEqual([
        [id(1), 'modified'],
        [id(3), 'reappeared'],
      ]);
      expect(store.auditByKey('decided-1')?.data).toEqual({ why: 'stopped' });
      expect(store.verifyAudit().ok).toBe(true);

      // An unchanged observation stays unchanged against versions written by the earlier store.
      const same = await store.applyScan('s5', scope(), [instance(2)]);
      expect(same).toMatchObject({ revision: 5, unchanged: 1, deltas: [] });
      const r = await store.applyScan('s6', scope(), [instance(2, 'stopped')], { complete: true });
      expect(r.deltas.map((d) => [d.id, d.kind]).sort()).toEqual([
        [id(1), 'tombstoned'],
        [id(2), 'modified'],
        [id(3), 'tombstoned'],
        [id(4), 'tombstoned'],
      ]);
      const dir = store.dir;
      await store.close();
      const again = await Store.open(dir);
      open.push(again);
      expect(again.revision).toBe(6);
      expect(again.get(id(2))?.resource?.status).toBe('stopped');
    });
  }
});
