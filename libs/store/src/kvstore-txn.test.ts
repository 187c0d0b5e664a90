import { afterEach, describe, expect, it } from 'vitest';
import { contentHash } from './canonical.js';
import { CompactedError, InvalidWriteError } from './errors.js';
import { Store } from './kvstore.js';
import { encodeResource } from './scan-write.js';
import { instance, scope, tempDir } from './testing/fixtures.js';

const open: Store[] = [];
async function openStore(opts = {}): Promise<Store> {
  const s = await Store.open(tempDir(), opts);
  open.push(s);
  return s;
}
afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => {});
});

const put = (key: string, value: object, tags: Record<string, string> = {}) => ({
  key,
  value: JSON.stringify(value),
  tags,
});

describe('write transactions the caller builds', () => {
  it('take opaque keys, labelled for the indexes by the labeler the store was opened with', async () => {
    const store = await openStore({ keyLabels: (k: string) => ({ type: k.split('/')[0], account: 'a', region: 'r' }) });
    const r = await store.write({
      batch: 'b1',
      scope: scope(),
      puts: [put('disk/1', { n: 1 }), put('vm/1', { n: 2 }, { team: 'x' }), put('vm/2', { n: 3 })],
    });
    expect(r.deltas.map((d) => [d.id, d.kind])).toEqual([
      ['disk/1', 'added'],
      ['vm/1', 'added'],
      ['vm/2', 'added'],
    ]);
    expect([...store.range({ type: 'vm' })].map((v) => v.id)).toEqual(['vm/1', 'vm/2']);
    expect([...store.range({ tag: 'team=x' })].map((v) => v.id)).toEqual(['vm/1']);
    expect([...store.keys('vm/')]).toEqual(['vm/1', 'vm/2']);
  });

  it('index a new key under the labels its put gives, without asking the labeler (a scan page knows its scope)', async () => {
    let asked = 0;
    const dir = tempDir();
    const labeler = (k: string) => {
      asked++;
      return { type: k.split('/')[0] as string, account: 'a', region: 'r' };
    };
    const store = await Store.open(dir, { keyLabels: labeler });
    open.push(store);
    const labels = { type: 'vm', account: 'b', region: 's' };
    await store.write({ batch: 'b1', scope: scope(), puts: [{ ...put('x/1', { n: 1 }), labels }, put('disk/1', {})] });
    expect(asked).toBe(1);
    expect([...store.range({ type: 'vm', account: 'b', region: 's' })].map((v) => v.id)).toEqual(['x/1']);
    expect([...store.range({ type: 'disk' })].map((v) => v.id)).toEqual(['disk/1']);
  });

  it('count a key put twice once, and keep its last put', async () => {
    const store = await openStore({ keyLabels: () => ({ type: 't', account: 'a', region: 'r' }) });
    await store.write({ batch: 'b1', scope: scope(), puts: [put('k', { v: 1 })] });
    // Changed, then back as stored: nothing to write.
    const back = await store.write({ batch: 'b2', scope: scope(), puts: [put('k', { v: 2 }), put('k', { v: 1 })] });
    expect(back).toMatchObject({ observed: 1, unchanged: 1, deltas: [] });
    const twice = await store.write({ batch: 'b3', scope: scope(), puts: [put('k', { v: 2 }), put('k', { v: 3 })] });
    expect(twice.observed).toBe(1);
    expect(twice.deltas.map((d) => JSON.parse(d.current_json ?? '{}').v)).toEqual([3]);
    const fresh = await store.write({ batch: 'b4', scope: scope(), puts: [put('n', { v: 1 }), put('n', { v: 2 })] });
    expect(fresh.observed).toBe(1);
    expect(store.get('n')?.resource).toEqual({ v: 2 });
  });

  it('tombstone only live keys not also put, once each', async () => {
    const store = await openStore({ keyLabels: () => ({ type: 't', account: 'a', region: 'r' }) });
    await store.write({ batch: 'b1', scope: scope(), puts: [put('a', {}), put('b', {}), put('c', {})] });
    const r = await store.write({
      batch: 'b2',
      scope: scope(),
      puts: [put('a', {})],
      deletes: ['a', 'b', 'b', 'never'],
    });
    expect(r.deltas.map((d) => [d.id, d.kind])).toEqual([['b', 'tombstoned']]);
    const again = await store.write({ batch: 'b3', scope: scope(), puts: [], deletes: ['b'] });
    expect(again.deltas).toEqual([]);
    expect(store.get('c')).not.toBeNull();
  });

  it('refuse a key the labeler refuses, leaving nothing behind', async () => {
    const store = await openStore();
    await expect(
      store.write({ batch: 'b1', scope: scope(), puts: [encodeAsPut(instance(1)), put('not-an-aws-id', {})] }),
    ).rejects.toThrow();
    expect(store.revision).toBe(0);
    expect([...store.keys('')]).toEqual([]);
    expect(store.isApplied('b1')).toBe(false);
  });

  it('refuse a given hash that does not match its document', async () => {
    const store = await openStore();
    const wrong = { ...encodeAsPut(instance(1)), hash: contentHash('something else').toString('base64') };
    await expect(store.write({ batch: 'b1', scope: scope(), puts: [wrong] })).rejects.toBeInstanceOf(InvalidWriteError);
    expect(store.revision).toBe(0);
  });

  it('catch a producer that sends the stored hash with a changed document, within a sample of puts', async () => {
    const store = await openStore();
    const honest = encodeAsPut(instance(1));
    await store.write({ batch: 'b0', scope: scope(), puts: [honest] });
    const lying = { ...encodeAsPut(instance(1, { state: 'stopped' })), hash: honest.hash };
    let refused = 0;
    for (let i = 1; i <= 64; i++) {
      await store.write({ batch: `b${i}`, scope: scope(), puts: [lying] }).catch((err: unknown) => {
        expect(err).toBeInstanceOf(InvalidWriteError);
        refused++;
      });
    }
    expect(refused).toBeGreaterThan(0);
  });
});

describe('write results', () => {
  it('build deltas when first read, and refuse once the revision is compacted away', async () => {
    const store = await openStore();
    const r1 = await store.applyScan('s1', scope(), [instance(1)]);
    const r2 = await store.applyScan('s2', scope(), [instance(1, { state: 'stopped' })]);
    await store.applyScan('s3', scope(), [instance(1, { state: 'running' })]);
    expect(r2.deltas).toMatchObject([{ kind: 'modified', previous: { revision: { main: 1 } } }]);
    await store.compact(3);
    expect(r2.deltas).toHaveLength(1);
    expect(() => r1.deltas).toThrow(CompactedError);
  });
});

function encodeAsPut(r: ReturnType<typeof instance>) {
  const e = encodeResource(r);
  return { key: e.id, value: e.json, hash: e.hash, tags: e.tags };
}
