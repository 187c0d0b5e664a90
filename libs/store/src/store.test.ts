import { appendFileSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { check, repair } from './check.js';
import { CompactedError, CorruptionError, FutureRevisionError, InvalidWriteError, StoreLockedError } from './errors.js';
import { listSegments, segmentName } from './format/segment.js';
import { Store } from './kvstore.js';
import { encodeResource } from './scan-write.js';
import { ACCOUNT, instance, scope, tempDir } from './testing/fixtures.js';

const open: Store[] = [];
async function openStore(dir: string, opts = {}): Promise<Store> {
  const s = await Store.open(dir, opts);
  open.push(s);
  return s;
}
afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => {});
});

describe('Store writes', () => {
  it('indexes the tags of its writes once the writer is idle, and answers a tag filter at once', async () => {
    const dir = tempDir();
    const store = await openStore(dir);
    const tree = () => (store as unknown as { core: { state: { tree: { unsettledTags: number } } } }).core.state.tree;
    const list = [1, 2, 3].map((n) => instance(n, { tags: { env: n === 2 ? 'prod' : 'dev' } }));
    await store.applyScan('s1', scope(), list, { complete: true });
    expect(tree().unsettledTags).toBe(3);
    await new Promise((r) => setTimeout(r, 600));
    expect(tree().unsettledTags).toBe(0);
    await store.applyScan('s2', scope(), [instance(1, { tags: { env: 'prod' } })]);
    expect(tree().unsettledTags).toBe(1);
    expect([...store.range({ tag: 'env=prod' })].map((v) => v.id)).toEqual([list[0]!.id, list[1]!.id]);
    expect(tree().unsettledTags).toBe(0);
    // Reopened from its checkpoint, the same answers.
    await store.close();
    const again = await openStore(dir);
    expect([...again.range({ tag: 'env=prod' })].map((v) => v.id)).toEqual([list[0]!.id, list[1]!.id]);
    expect([...again.range({ tag: 'env=dev' }, { at: 1 })].map((v) => v.id)).toEqual([list[0]!.id, list[2]!.id]);
  });

  it('adds a version only when content changes, and tombstones the unseen of a complete scope', async () => {
    const store = await openStore(tempDir());
    const a = instance(1);
    const b = instance(2);
    const r1 = await store.applyScan('scan1/p0', scope(), [a, b], { complete: true });
    expect(r1.revision).toBe(1);
    expect(r1.deltas.map((d) => [d.id, d.kind])).toEqual([
      [a.id, 'added'],
      [b.id, 'added'],
    ]);

    // Pre-encoded observations (as scanners send them) compare equal to the objects.
    const r2 = await store.applyScan('scan2/p0', scope(), [encodeResource(a), b], { complete: true });
    expect(r2).toMatchObject({ revision: 2, unchanged: 2, deltas: [] });

    const a2 = instance(1, { state: 'stopped' });
    const r3 = await store.applyScan('scan3/p0', scope(), [a2], { complete: true });
    expect(r3.deltas.map((d) => [d.id, d.kind])).toEqual([
      [a.id, 'modified'],
      [b.id, 'tombstoned'],
    ]);
    const mod = r3.deltas[0];
    expect(mod?.previous?.revision).toEqual({ main: 1, sub: 0 });
    expect(JSON.parse(mod?.previous_json ?? '{}').status).toBe('running');
    expect(JSON.parse(mod?.current_json ?? '{}').status).toBe('stopped');

    // A tombstone is written once: the next complete scan without b adds nothing.
    const r4 = await store.applyScan('scan4/p0', scope(), [a2], { complete: true });
    expect(r4.deltas).toEqual([]);

    const r5 = await store.applyScan('scan5/p0', scope(), [a2, b], { complete: true });
    expect(r5.deltas).toMatchObject([{ id: b.id, kind: 'reappeared', current: { version: 1, created: 5 } }]);
  });

  it("gives an appearance's delta its tags (the detector then need not parse it), not a modification's", async () => {
    const store = await openStore(tempDir());
    const a = instance(1);
    const r1 = await store.applyScan('s1', scope(), [a, instance(2)], { complete: true });
    expect(r1.deltas.map((d) => d.current_tags)).toEqual([a.tags, instance(2).tags]);
    const r2 = await store.applyScan('s2', scope(), [instance(1, { state: 'stopped' })]);
    expect(r2.deltas.map((d) => [d.kind, d.current_tags])).toEqual([['modified', undefined]]);
    // A retried page's deltas are read back from disk, without them.
    const again = await store.applyScan('s1', scope(), [a, instance(2)], { complete: true });
    expect(again.duplicate).toBe(true);
    expect(again.deltas.map((d) => [d.kind, d.current_tags])).toEqual([
      ['added', undefined],
      ['added', undefined],
    ]);
  });

  it('never tombstones from a partial page, a failed scan, a filtered scope or another region', async () => {
    const store = await openStore(tempDir());
    const east = instance(1);
    const west = instance(2, { region: 'us-west-2' });
    await store.applyScan('e', scope(), [east], { complete: true });
    await store.applyScan('w', scope('ec2.instance', 'us-west-2'), [west], { complete: true });
    expect((await store.applyScan('partial', scope(), [], { complete: false })).deltas).toEqual([]);
    const filtered = { ...scope(), filter: { tags: { env: 'prod' } } };
    expect((await store.applyScan('filtered', filtered, [], { complete: true })).deltas).toEqual([]);
    expect((await store.applyScan('vpc', scope('ec2.vpc'), [], { complete: true })).deltas).toEqual([]);
    expect(store.get(east.id)).not.toBeNull();
    expect(store.get(west.id)).not.toBeNull();
    const gone = await store.applyScan('e2', scope(), [], { complete: true });
    expect(gone.deltas).toMatchObject([{ id: east.id, kind: 'tombstoned' }]);
    expect(store.get(west.id)).not.toBeNull();
  });

  it('tombstones at the last page of a multi-page scan only what the whole scan did not see', async () => {
    const store = await openStore(tempDir());
    await store.applyScan('s1', scope(), [instance(1), instance(2), instance(3)], { complete: true });
    // Page 0 holds 1, the last page holds 3 and says the scan saw 1 and 3: only 2 is gone.
    await store.applyScan('s2:0', scope(), [instance(1)]);
    const last = await store.applyScan('s2:1', scope(), [instance(3)], {
      complete: true,
      seen: [instance(1).id, instance(3).id],
    });
    expect(last.deltas.map((d) => [d.id, d.kind])).toEqual([[instance(2).id, 'tombstoned']]);
  });

  it('treats a retried batch id as a no-op returning the original result', async () => {
    const store = await openStore(tempDir());
    const first = await store.applyScan('scan/p0', scope(), [instance(1)], { complete: false });
    const again = await store.applyScan('scan/p0', scope(), [instance(1, { state: 'stopped' })], { complete: false });
    expect(again).toMatchObject({ revision: first.revision, duplicate: true });
    expect(again.deltas.map((d) => d.kind)).toEqual(['added']);
    expect(store.revision).toBe(1);
  });

  it('refuses bad input before writing anything', async () => {
    const store = await openStore(tempDir());
    await expect(store.applyScan('x', scope(), [instance(1, { region: 'eu-west-1' })])).rejects.toThrow(
      /outside the scope/,
    );
    await expect(store.applyScan('x', scope(), [{ id: 'nope', json: '{}' }])).rejects.toThrow(InvalidWriteError);
    await expect(store.applyScan('x', scope(), [{ id: instance(1).id, json: '{' }])).rejects.toThrow(/not JSON/);
    await expect(store.applyScan('x', { ...scope(), account: '1' }, [])).rejects.toThrow(/12 digits/);
    await expect(store.applyScan('', scope(), [])).rejects.toThrow(/batch id/);
    await expect(store.appendAudit({ type: 'bogus' as never, resource_id: '', data: {} })).rejects.toThrow(
      /unknown audit/,
    );
    expect(store.revision).toBe(0);
  });
});

describe('Store reads', () => {
  it('answers get, range and changes at any revision or time, and refuses the future', async () => {
    const store = await openStore(tempDir());
    const ids = [1, 2, 3].map((n) => instance(n, { tags: { env: n === 2 ? 'prod' : 'dev' } }));
    await store.applyScan('s1', scope(), ids, { complete: true });
    const t1 = new Date();
    await new Promise((r) => setTimeout(r, 5));
    await store.applyScan('s2', scope(), [instance(1, { size: 't3.large', tags: { env: 'dev' } }), ids[1]!], {
      complete: true,
    });

    expect(store.get(ids[0]!.id, 1)?.resource?.attributes).toMatchObject({ instance_type: 't3.micro' });
    expect(store.get(ids[0]!.id)?.resource?.attributes).toMatchObject({ instance_type: 't3.large' });
    expect(store.get(ids[2]!.id, 1)).not.toBeNull();
    expect(store.get(ids[2]!.id, 2)).toBeNull();
    expect(store.get(ids[2]!.id, t1)).not.toBeNull();
    expect(store.get(ids[0]!.id, 0)).toBeNull();

    expect([...store.range({ type: 'ec2.instance' }, { at: 1 })].map((v) => v.id)).toEqual(ids.map((r) => r.id));
    expect([...store.range({ type: 'ec2.instance' })].map((v) => v.id)).toEqual([ids[0]!.id, ids[1]!.id]);
    expect([...store.range({ tag: 'env=prod' }, { at: 1 })].map((v) => v.id)).toEqual([ids[1]!.id]);
    expect([...store.range({ tag: 'env' }, { at: 1, after: ids[0]!.id, limit: 1 })].map((v) => v.id)).toEqual([
      ids[1]!.id,
    ]);
    expect([...store.range({ account: ACCOUNT, region: 'eu-west-1' })]).toEqual([]);
    expect([...store.range({ prefix: ids[2]!.id })].length).toBe(0);

    expect(store.changesSince(1).map((c) => [c.id, c.kind])).toEqual([
      [ids[0]!.id, 'modified'],
      [ids[2]!.id, 'tombstoned'],
    ]);
    expect(store.changesSince(0, { type: 'ec2.vpc' })).toEqual([]);
    expect(() => store.get(ids[0]!.id, 3)).toThrow(FutureRevisionError);
    expect(() => store.resolve('yesterday')).toThrow(/cannot read "yesterday"/);
    expect(store.resolve('24h')).toBe(0);
  });

  it('gives history with field-level diffs and lists scopes', async () => {
    const store = await openStore(tempDir());
    const id = instance(7).id;
    await store.applyScan('a', scope(), [instance(7)], { complete: true });
    await store.applyScan('b', scope(), [instance(7, { tags: { Name: 'web-7', owner: 'sre' } })], { complete: true });
    await store.applyScan('c', scope(), [], { complete: true });
    const h = store.history(id);
    expect(h.map((v) => [v.revision.main, v.version, v.tombstone])).toEqual([
      [1, 1, false],
      [2, 2, false],
      [3, 3, true],
    ]);
    expect(h[1]?.diff).toEqual([{ path: 'tags.owner', after: 'sre' }]);
    expect(store.scopes()).toMatchObject([
      {
        key: `${ACCOUNT}/us-east-1/ec2.instance`,
        last_scan: { revision: 3, complete: true },
        last_complete: { revision: 3 },
      },
    ]);
  });

  it('keeps a hash-chained audit trail that verifies, and catches tampering', async () => {
    const dir = tempDir();
    const store = await openStore(dir);
    const [e1] = await store.appendAudit({ type: 'scan_started', resource_id: '', data: { scope: 'x' } });
    await store.appendAudit([
      { type: 'observed', resource_id: instance(1).id, data: { n: 1 }, revision: 1 },
      { type: 'scan_completed', resource_id: '', data: {} },
    ]);
    await store.appendAudit({ type: 'scan_started', resource_id: '', data: {} });
    expect(e1?.seq).toBe(1);
    expect(store.audit({ resource: instance(1).id }).map((e) => e.type)).toEqual(['observed']);
    expect(store.audit({ after: 1, limit: 2 }).map((e) => e.seq)).toEqual([2, 3]);
    expect(store.audit({ types: ['scan_started'] }).map((e) => e.seq)).toEqual([1, 4]);
    expect(store.audit({ types: ['scan_started', 'observed'], after: 1, limit: 1 }).map((e) => e.seq)).toEqual([2]);
    expect(store.verifyAudit()).toMatchObject({ ok: true, entries: 4 });
    // The text form (what the WAL publishes) is the same entries, with their types and numbers.
    const texts = store.auditText({ after: 1, limit: 2 });
    expect(texts.map((t) => [t.seq, t.type])).toEqual([
      [2, 'observed'],
      [3, 'scan_completed'],
    ]);
    expect(texts.map((t) => JSON.parse(t.text))).toEqual(store.audit({ after: 1, limit: 2 }));
    await store.close();
    open.pop();

    // A changed byte in an acknowledged record (not the last) is damage, never a torn write.
    const seg = join(dir, segmentName(1));
    const bytes = readFileSync(seg);
    const at = bytes.indexOf('"n":1');
    bytes.write('"n":9', at);
    writeFileSync(seg, bytes);
    expect(check(dir).corruption?.reason).toBe('checksum mismatch');
  });
  it('writes a keyed audit draft once, however often and however concurrently it is delivered', async () => {
    const dir = tempDir();
    const store = await openStore(dir);
    const draft = { type: 'decided' as const, resource_id: '', data: { d: 1 }, key: 'job-7' };
    // Two deliveries racing in one group commit, then a mixed call with an unkeyed draft.
    const [[a], [b]] = await Promise.all([store.appendAudit(draft), store.appendAudit({ ...draft })]);
    expect(a).toEqual(b);
    const mixed = await store.appendAudit([{ type: 'skipped', resource_id: '', data: {} }, draft]);
    expect(mixed.map((e) => [e.seq, e.type])).toEqual([
      [2, 'skipped'],
      [1, 'decided'],
    ]);
    await store.close();
    open.pop();
    // After a reopen from the checkpoint, and again from the log alone.
    const again = await openStore(dir);
    expect((await again.appendAudit(draft))[0]?.seq).toBe(1);
    await again.close();
    open.pop();
    rmSync(join(dir, 'index.ckpt'));
    const replayed = await openStore(dir);
    expect((await replayed.appendAudit(draft))[0]).toMatchObject({ seq: 1, key: 'job-7' });
    expect(replayed.verifyAudit()).toMatchObject({ ok: true, entries: 2 });
  });
});

describe('Store audit with revisions', () => {
  it('commits audit entries in the same record as the revision, across reopen and compaction', async () => {
    const dir = tempDir();
    const s = await openStore(dir, { segmentBytes: 4096 });
    await s.appendAudit({ type: 'scan_started', resource_id: '', data: { scan: 'a' } });
    const r1 = await s.applyScan('p1', scope(), [instance(1)], {
      complete: true,
      audit: ({ revision, changed }) => [
        { type: 'observed', resource_id: '', revision, data: { page: 'p1', changed } },
        { type: 'scan_completed', resource_id: '', revision, data: { count: 1 } },
      ],
    });
    expect(r1.audit.map((e) => [e.seq, e.type, e.revision, e.data.changed])).toEqual([
      [2, 'observed', 1, 1],
      [3, 'scan_completed', 1, undefined],
    ]);
    const again = await s.applyScan('p1', scope(), [instance(1)], {
      audit: () => [{ type: 'observed', resource_id: '', data: {} }],
    });
    expect(again).toMatchObject({ duplicate: true, audit: [] });
    for (let i = 2; i <= 6; i++) {
      await s.applyScan(`p${i}`, scope(), [instance(1, { state: `s${i}` })], {
        audit: ({ revision }) => [{ type: 'observed', resource_id: instance(1).id, revision, data: { i } }],
      });
    }
    await s.compact(4);
    expect(s.audit().map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(s.audit({ resource: instance(1).id }).map((e) => e.data.i)).toEqual([2, 3, 4, 5, 6]);
    expect(s.verifyAudit()).toMatchObject({ ok: true, entries: 8 });
    await s.close();
    open.pop();
    rmSync(join(dir, 'index.ckpt'));
    const s2 = await openStore(dir, { segmentBytes: 4096 });
    expect(s2.verifyAudit()).toMatchObject({ ok: true, entries: 8 });
    expect(check(dir)).toMatchObject({ ok: true, audit: { ok: true, entries: 8 } });
  });
});

describe('Store durability', () => {
  it('reopens with and without its checkpoint to the same state, and continues revisions', async () => {
    const dir = tempDir();
    const s1 = await openStore(dir, { segmentBytes: 4096 });
    for (let i = 0; i < 20; i++)
      await s1.applyScan(`b${i}`, scope(), [instance(i), instance(i + 100, { state: `s${i}` })], { complete: false });
    await s1.appendAudit({ type: 'scan_completed', resource_id: '', data: {} });
    const before = [...s1.range({}, { at: 10 })];
    await s1.close();
    open.pop();
    expect(listSegments(dir).length).toBeGreaterThan(3);

    const s2 = await openStore(dir, { segmentBytes: 4096 });
    expect(s2.report.checkpoint).toBe('loaded');
    expect([...s2.range({}, { at: 10 })]).toEqual(before);
    await s2.close();
    open.pop();
    rmSync(join(dir, 'index.ckpt'));
    const s3 = await openStore(dir, { segmentBytes: 4096 });
    expect(s3.report.checkpoint).toBe('absent');
    expect([...s3.range({}, { at: 10 })]).toEqual(before);
    expect((await s3.applyScan('next', scope(), [instance(999)])).revision).toBe(21);
    expect(s3.verifyAudit().ok).toBe(true);
  });

  it('allows one writer per directory', async () => {
    const dir = tempDir();
    await openStore(dir);
    await expect(Store.open(dir)).rejects.toThrow(StoreLockedError);
  });

  it('truncates a torn tail and reports it, losing nothing acknowledged', async () => {
    const dir = tempDir();
    const s = await openStore(dir);
    await s.applyScan('a', scope(), [instance(1)]);
    await s.close();
    open.pop();
    rmSync(join(dir, 'index.ckpt'));
    const seg = join(dir, segmentName(1));
    const size = readFileSync(seg).length;
    appendFileSync(seg, Buffer.from([200, 0, 0, 0, 1, 9, 9, 9, 9, 1, 2, 3])); // a frame promising 200 bytes
    const s2 = await openStore(dir);
    expect(s2.report.torn).toMatchObject({ segment: segmentName(1), offset: size, bytes: 12 });
    expect(readFileSync(seg).length).toBe(size);
    expect(s2.get(instance(1).id)).not.toBeNull();
  });

  it('stops on a flipped byte mid-segment, naming segment and offset; repair keeps what came before', async () => {
    const dir = tempDir();
    const s = await openStore(dir);
    await s.applyScan('a', scope(), [instance(1)]);
    await s.applyScan('b', scope(), [instance(2)]);
    await s.applyScan('c', scope(), [instance(3)]);
    await s.close();
    open.pop();
    const seg = join(dir, segmentName(1));
    const bytes = readFileSync(seg);
    const target = bytes.indexOf('i-00000002');
    bytes[target] = bytes[target]! ^ 0xff;
    writeFileSync(seg, bytes);
    rmSync(join(dir, 'index.ckpt'));

    const err = await Store.open(dir).catch((e) => e);
    expect(err).toBeInstanceOf(CorruptionError);
    expect(err.segment).toBe(segmentName(1));
    expect(err.message).toMatch(/offset \d+: checksum mismatch/);

    const fixed = repair(dir);
    expect(fixed.truncated).toMatchObject({ segment: segmentName(1), offset: err.offset });
    const s2 = await openStore(dir);
    expect(s2.revision).toBe(1);
    expect(s2.get(instance(1).id)).not.toBeNull();
    expect((await s2.applyScan('d', scope(), [instance(4)])).revision).toBe(2);
  });

  it('ignores a truncated checkpoint and rebuilds from the log', async () => {
    const dir = tempDir();
    const s = await openStore(dir);
    await s.applyScan('a', scope(), [instance(1), instance(2)]);
    await s.close();
    open.pop();
    const ckpt = join(dir, 'index.ckpt');
    truncateSync(ckpt, Math.floor(readFileSync(ckpt).length / 2));
    const s2 = await openStore(dir);
    expect(s2.report.checkpoint).toMatch(/^ignored: checkpoint checksum mismatch/);
    expect([...s2.range({})].length).toBe(2);
  });

  it('refuses to start when a segment is missing, and repair keeps the segments before it', async () => {
    const dir = tempDir();
    const s = await openStore(dir, { segmentBytes: 2048 });
    for (let i = 0; i < 12; i++) await s.applyScan(`b${i}`, scope(), [instance(i)]);
    await s.close();
    open.pop();
    const ids = listSegments(dir);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    rmSync(join(dir, segmentName(ids[2]!)));
    await expect(Store.open(dir)).rejects.toThrow(new RegExp(`${segmentName(ids[2]!)} offset 0: segment missing`));
    const fixed = repair(dir);
    expect(fixed.quarantined.length).toBe(ids.length - 3);
    const s2 = await openStore(dir, { segmentBytes: 2048 });
    expect(s2.revision).toBeGreaterThan(0);
    expect(s2.revision).toBeLessThan(12);
    expect(s2.get(instance(0).id)).not.toBeNull();
  });
});

describe('Store compaction', () => {
  it('keeps the newest version at the compaction point and everything after, and refuses older reads', async () => {
    const dir = tempDir();
    const s = await openStore(dir, { segmentBytes: 4096 });
    for (let i = 1; i <= 10; i++) {
      await s.applyScan(`b${i}`, scope(), [instance(1, { state: `s${i}` }), instance(2)], { complete: true });
      await s.appendAudit({ type: 'observed', resource_id: instance(1).id, data: { i } });
    }
    const bytesBefore = s.stats().bytes;
    const atSix = s.get(instance(1).id, 6);
    const report = await s.compact(6);
    expect(report.revision).toBe(6);
    expect(s.stats().bytes).toBeLessThan(bytesBefore);
    expect(() => s.get(instance(1).id, 5)).toThrow(CompactedError);
    expect(s.get(instance(1).id, 6)).toEqual(atSix);
    expect(s.get(instance(2).id, 6)?.revision.main).toBe(1);
    expect(s.history(instance(1).id).map((v) => v.revision.main)).toEqual([6, 7, 8, 9, 10]);
    expect(s.audit().length).toBe(10);
    expect(s.verifyAudit().ok).toBe(true);
    await s.applyScan('after', scope(), [instance(3)]);
    const live = [...s.range({})];
    await s.close();
    open.pop();

    rmSync(join(dir, 'index.ckpt'));
    const s2 = await openStore(dir, { segmentBytes: 4096 });
    expect(s2.compactedAt).toBe(6);
    expect([...s2.range({})]).toEqual(live);
    expect(s2.get(instance(1).id, 6)).toEqual(atSix);
    expect(s2.verifyAudit().ok).toBe(true);
  });

  it('opens over a compaction killed while writing its manifest: the half manifest is dropped, the old segments stand', async () => {
    const dir = tempDir();
    const s = await openStore(dir, { segmentBytes: 4096 });
    for (let i = 1; i <= 6; i++)
      await s.applyScan(`b${i}`, scope(), [instance(1, { state: `s${i}` })], { complete: true });
    const live = [...s.range({})];
    await s.close();
    open.pop();
    // What a SIGKILL mid-write leaves now: the manifest's temporary file, cut short.
    writeFileSync(join(dir, 'COMPACTION.json.tmp'), '{"rev":4,"outputs":[{"tm');
    const s2 = await openStore(dir, { segmentBytes: 4096 });
    expect(s2.report.finishedCompaction).toBe(false);
    expect([...s2.range({})]).toEqual(live);
    expect(s2.history(instance(1).id)).toHaveLength(6);
  });
});
