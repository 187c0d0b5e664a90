import type { AnyResource, Scope } from '@elava/types';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { canonicalJson } from './canonical.js';
import { CompactedError, FutureRevisionError } from './errors.js';
import type { DiffFilter, DiffOptions } from './estate-diff.js';
import { Store } from './kvstore.js';
import { SegmentFiles } from './segment-files.js';
import { ACCOUNT, instance, scope, tempDir } from './testing/fixtures.js';
import { TreeIndex } from './tree-index.js';

const open: Store[] = [];
async function fresh(): Promise<Store> {
  const s = await Store.open(tempDir('elava-diff-'));
  open.push(s);
  return s;
}
afterEach(async () => {
  vi.restoreAllMocks();
  for (const s of open.splice(0)) await s.close().catch(() => {});
});

const kinds = (s: Store, from: number, to: number, filter?: DiffFilter, opts?: DiffOptions) =>
  [...s.diffBetween(from, to, filter, opts)].map((e) => [e.kind, e.id]);

const running = (n: number, tags?: Record<string, string>) => instance(n, tags ? { tags } : {});
const stopped = (n: number) => instance(n, { state: 'stopped' });

/** A resource of any type and place, as the readers shape them, with what `extra` adds. */
function resource(type: string, nativeId: string, extra: Record<string, unknown> = {}, account = ACCOUNT) {
  const id = `aws:${account}:us-east-1:${type}:${nativeId}`;
  return { id, provider: 'aws', account, region: 'us-east-1', type, native_id: nativeId, tags: {}, ...extra };
}

describe('the estate diff between two revisions', () => {
  it('compares the two ends, not the chain of versions between them', async () => {
    const s = await fresh();
    await s.applyScan('r1', scope(), [running(1), running(2), running(3)], { complete: true });
    await s.applyScan('r2', scope(), [stopped(1), running(2), running(3), running(4)], { complete: true });
    const large = instance(1, { state: 'stopped', size: 't3.large' });
    await s.applyScan('r3', scope(), [large, running(2), running(4)], { complete: true });

    const all = [...s.diffBetween(1, 3)];
    expect(all.map((e) => [e.kind, e.id])).toEqual([
      ['modified', running(1).id],
      ['removed', running(3).id],
      ['added', running(4).id],
    ]);
    const [mod, gone, born] = all;
    // Against version 1 (at `from`), not version 2 (in between).
    expect(mod?.diff).toEqual([
      { path: 'attributes.instance_type', before: 't3.micro', after: 't3.large' },
      { path: 'attributes.state', before: 'running', after: 'stopped' },
      { path: 'status', before: 'running', after: 'stopped' },
    ]);
    expect(mod).toMatchObject({
      type: 'ec2.instance',
      account: ACCOUNT,
      region: 'us-east-1',
      before: { version: 1, revision: { main: 1 }, resource: running(1) },
      after: { version: 3, revision: { main: 3 }, resource: large },
      last: { version: 3, revision: { main: 3 } },
    });
    expect(mod?.last.resource).toBeUndefined();
    expect(gone).toMatchObject({ before: { resource: running(3) }, diff: [], last: { tombstone: true } });
    expect(gone?.after).toBeUndefined();
    expect(gone?.last.revision.main).toBe(3);
    expect(born).toMatchObject({ after: { resource: running(4), revision: { main: 2 } }, diff: [] });
    expect(born?.before).toBeUndefined();

    expect(all.find((e) => e.id === running(1).id)?.diff).toHaveLength(3);
    expect([...s.diffBetween(2, 3)].map((e) => [e.kind, e.diff.map((d) => d.path)])).toEqual([
      ['modified', ['attributes.instance_type']],
      ['removed', []],
    ]);
    expect(kinds(s, 3, 3)).toEqual([]);
    expect(() => s.diffBetween(3, 1)).toThrow('from revision 3 is after to revision 1');
  });

  it('shows nothing for a change undone, or a resource that came and went, inside the window', async () => {
    const s = await fresh();
    await s.applyScan('r1', scope(), [running(1), running(2)], { complete: true });
    await s.applyScan('r2', scope(), [stopped(1), running(2), running(5)], { complete: true });
    await s.applyScan('r3', scope(), [running(1)], { complete: true });
    await s.applyScan('r4', scope(), [running(1), running(2)], { complete: true });

    expect(kinds(s, 1, 4)).toEqual([]);
    expect(kinds(s, 1, 3)).toEqual([['removed', running(2).id]]);
    expect(kinds(s, 2, 4)).toEqual([
      ['modified', running(1).id],
      ['removed', running(5).id],
    ]);
    // Back in revision 4 with its old content: a new generation, but the same resource.
    expect(s.history(running(2).id).map((v) => v.version)).toEqual([1, 2, 1]);
  });

  it('filters by type, place and tags, a tag matching at either end', async () => {
    const s = await fresh();
    const other = '210987654321';
    const vol = (n: string, size: number) => resource('ec2.volume', n, { attributes: { size } });
    await s.applyScan('i1', scope(), [running(1, { team: 'a', env: 'prod' }), running(2)], { complete: true });
    await s.applyScan('w1', scope('ec2.instance', 'us-west-2'), [instance(3, { region: 'us-west-2' })]);
    await s.applyScan('v1', scope('ec2.volume'), [vol('vol-1', 8)] as AnyResource[]);
    await s.applyScan('o1', scope('ec2.volume', 'us-east-1', other), [
      resource('ec2.volume', 'vol-9', { attributes: { size: 8 } }, other),
    ] as AnyResource[]);
    const from = s.revision;
    await s.applyScan('i2', scope(), [running(1, { team: 'b', env: 'prod' }), stopped(2)], { complete: true });
    await s.applyScan('w2', scope('ec2.instance', 'us-west-2'), [instance(3, { region: 'us-west-2', state: 'x' })]);
    await s.applyScan('v2', scope('ec2.volume'), [vol('vol-1', 16)] as AnyResource[]);
    await s.applyScan('o2', scope('ec2.volume', 'us-east-1', other), [
      resource('ec2.volume', 'vol-9', { attributes: { size: 16 } }, other),
    ] as AnyResource[]);
    const to = s.revision;

    const ids = (f: DiffFilter) => [...s.diffBetween(from, to, f)].map((e) => e.id.split(':').at(-1));
    expect(ids({})).toEqual(['i-00000001', 'i-00000002', 'i-00000003', 'vol-1', 'vol-9']);
    expect(ids({ type: 'ec2.volume' })).toEqual(['vol-1', 'vol-9']);
    expect(ids({ region: 'us-west-2' })).toEqual(['i-00000003']);
    expect(ids({ account: other })).toEqual(['vol-9']);
    expect(ids({ account: ACCOUNT, region: 'us-east-1', type: 'ec2.volume' })).toEqual(['vol-1']);
    // team=a only before, team=b only after: both find the resource whose team changed.
    expect(ids({ tag: 'team=a' })).toEqual(['i-00000001']);
    expect(ids({ tags: ['team=b'] })).toEqual(['i-00000001']);
    expect(ids({ tags: ['team'] })).toEqual(['i-00000001']);
    expect(ids({ tags: ['team=b', 'env=prod'] })).toEqual(['i-00000001']);
    expect(ids({ tags: ['team=a', 'env=dev'] })).toEqual([]);
    expect(ids({ tags: ['team=c'] })).toEqual([]);
    expect(ids({ tags: ['constructor'] })).toEqual([]);
    expect(ids({ tags: ['Name=web-2'] })).toEqual(['i-00000002']);
  });

  it('comes in (type, id) order and resumes after an id, pinned while new revisions arrive', async () => {
    const s = await fresh();
    await s.applyScan('a', scope(), [], { complete: true });
    const from = s.revision;
    await s.applyScan(
      'b',
      scope('ec2.volume'),
      ['c', 'a', 'b'].map((n) => resource('ec2.volume', `vol-${n}`)) as AnyResource[],
    );
    await s.applyScan('c', scope(), [running(2), running(1)]);
    await s.applyScan('d', scope('ec2.eip'), [resource('ec2.eip', 'eipalloc-1')] as AnyResource[]);
    const to = s.revision;
    const whole = kinds(s, from, to).map(([, id]) => id);
    expect(whole.map((id) => id?.split(':').slice(3).join(':'))).toEqual([
      'ec2.eip:eipalloc-1',
      'ec2.instance:i-00000001',
      'ec2.instance:i-00000002',
      'ec2.volume:vol-a',
      'ec2.volume:vol-b',
      'ec2.volume:vol-c',
    ]);

    const paged: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = [...take(s.diffBetween(from, to, {}, { after }), 2)].map((e) => e.id);
      if (page.length === 0) break;
      paged.push(...page);
      after = page.at(-1);
      // The estate moves on between pages; the pinned pages do not.
      await s.applyScan(`more-${paged.length}`, scope(), [stopped(1), running(7 + paged.length)]);
    }
    expect(paged).toEqual(whole);
    expect(kinds(s, from, s.revision)).toContainEqual(['added', running(9).id]);
  });

  it('matches lists by the keys the caller gives', async () => {
    const s = await fresh();
    const sg = (rules: { rule_id: string; port: number }[]) =>
      resource('ec2.security_group', 'sg-1', { attributes: { ingress: rules } }) as unknown as AnyResource;
    await s.applyScan('1', scope('ec2.security_group'), [
      sg([
        { rule_id: 'r1', port: 22 },
        { rule_id: 'r2', port: 80 },
      ]),
    ]);
    await s.applyScan('2', scope('ec2.security_group'), [
      sg([
        { rule_id: 'r2', port: 80 },
        { rule_id: 'r1', port: 23 },
      ]),
    ]);
    const keys: Readonly<Record<string, string>> = { 'attributes.ingress': 'rule_id' };
    const keyed = (type: string) => (type === 'ec2.security_group' ? keys : {});
    expect([...s.diffBetween(1, 2, {}, { listKeys: keyed })][0]?.diff).toEqual([
      { path: 'attributes.ingress[rule_id=r1].port', before: 22, after: 23 },
    ]);
    // Without keys an element's content is its identity: one removal and one addition.
    expect([...s.diffBetween(1, 2)][0]?.diff.map((d) => [d.path.split('[')[0], 'before' in d])).toEqual([
      ['attributes.ingress', true],
      ['attributes.ingress', false],
    ]);
    // Reordered only: a new version is stored, but there is no difference to show.
    await s.applyScan('3', scope('ec2.security_group'), [
      sg([
        { rule_id: 'r1', port: 23 },
        { rule_id: 'r2', port: 80 },
      ]),
    ]);
    expect(s.history(sg([]).id)).toHaveLength(3);
    expect(kinds(s, 2, 3)).toEqual([]);
  });

  it('reads only what changed in the window: never the estate, only the changed documents', async () => {
    const s = await fresh();
    const estate = Array.from({ length: 2_000 }, (_, i) => running(i));
    await s.applyScan('big', scope(), estate, { complete: true });
    await s.applyScan('one', scope(), [stopped(7)]);
    await s.applyScan('away', scope(), [stopped(8)]);
    await s.applyScan('back', scope(), [running(8)]);
    const walks = [vi.spyOn(TreeIndex.prototype, 'candidates'), vi.spyOn(TreeIndex.prototype, 'all')];
    const reads = vi.spyOn(SegmentFiles.prototype, 'readMany');
    expect(kinds(s, 1, 4)).toEqual([['modified', running(7).id]]);
    // The two versions of the one modified resource; the one changed back is told by its hash.
    expect(reads.mock.calls.map(([refs]) => refs.length)).toEqual([2]);
    expect(kinds(s, 2, 4)).toEqual([]);
    expect(reads).toHaveBeenCalledTimes(1);
    for (const w of walks) expect(w).not.toHaveBeenCalled();
  });

  it('takes times and ages, and refuses revisions compacted away or not yet written', async () => {
    const s = await fresh();
    await s.applyScan('1', scope(), [running(1), running(2)], { complete: true });
    await new Promise((r) => setTimeout(r, 20));
    const between = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await s.applyScan('2', scope(), [stopped(1), running(2)], { complete: true });
    await s.applyScan('3', scope(), [stopped(1)], { complete: true });
    expect(kinds(s, 1, 2)).toEqual([['modified', running(1).id]]);
    expect([...s.diffBetween(between, '0s')].map((e) => e.kind)).toEqual(['modified', 'removed']);
    expect([...s.diffBetween(between.toISOString(), 2)].map((e) => e.kind)).toEqual(['modified']);
    expect(() => s.diffBetween(1, 9)).toThrow(FutureRevisionError);

    await s.compact(2);
    expect(() => s.diffBetween(1, 3)).toThrow(CompactedError);
    // The version in force at the compaction point is kept, so a diff from there is whole.
    expect(kinds(s, 2, 3)).toEqual([['removed', running(2).id]]);
  });
});

function* take<T>(it: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  let i = 0;
  for (const v of it) {
    yield v;
    if (++i >= n) return;
  }
}

/**
 * Against the plainest oracle: the estate listed whole at both revisions (`range`, itself checked
 * against a model in store.property.test.ts) and compared id by id, for every pair of revisions
 * after random scans (complete or partial, filtered or not, in two regions and two types), with
 * a compaction part way.
 */
describe('the estate diff against both estates listed whole', () => {
  const REGIONS = ['us-east-1', 'eu-west-1'];
  const TYPES = ['ec2.instance', 'ec2.volume'] as const;
  const doc = (region: string, type: string, slot: number, variant: number) =>
    ({
      ...resource(type, `${type === 'ec2.volume' ? 'vol' : 'i'}-${slot}`),
      id: `aws:${ACCOUNT}:${region}:${type}:${type === 'ec2.volume' ? 'vol' : 'i'}-${slot}`,
      region,
      status: `v${variant}`,
      tags: variant % 2 === 0 ? { env: 'prod' } : { env: 'dev' },
    }) as unknown as AnyResource;
  const scan = fc.record({
    region: fc.integer({ min: 0, max: 1 }),
    type: fc.integer({ min: 0, max: 1 }),
    seen: fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 })), {
      selector: ([slot]) => slot,
      maxLength: 4,
    }),
    complete: fc.boolean(),
    filtered: fc.boolean(),
  });

  function expected(s: Store, a: number, b: number, keep: (r: AnyResource | undefined) => boolean) {
    const at = (rev: number) => new Map([...s.range({}, { at: rev })].map((v) => [v.id, v.resource]));
    const [before, after] = [at(a), at(b)];
    const out: [string, string, string][] = [];
    for (const id of new Set([...before.keys(), ...after.keys()])) {
      const [x, y] = [before.get(id), after.get(id)];
      if (!keep(x) && !keep(y)) continue;
      const kind = !x ? 'added' : !y ? 'removed' : canonicalJson(x) === canonicalJson(y) ? null : 'modified';
      if (kind) out.push([(x ?? y)?.type as string, id, kind]);
    }
    return out.sort((p, q) => (p[0] + p[1] < q[0] + q[1] ? -1 : 1)).map(([, id, kind]) => [kind, id]);
  }

  it('agrees for every pair of revisions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(scan, { minLength: 1, maxLength: 14 }), fc.nat(), async (scans, compactAt) => {
        const s = await Store.open(tempDir('elava-diff-prop-'), { segmentBytes: 2048 });
        try {
          for (const [i, x] of scans.entries()) {
            const region = REGIONS[x.region] as string;
            const type = TYPES[x.type] as Scope['type'];
            const sc: Scope = {
              account: ACCOUNT,
              region,
              type,
              ...(x.filtered ? { filter: { tags: { env: 'prod' } } } : {}),
            };
            const docs = x.seen.map(([slot, variant]) => doc(region, type, slot, variant));
            await s.applyScan(`b${i}`, sc, docs, { complete: x.complete });
          }
          const floor = compactAt % (s.revision + 1);
          if (floor > 0) await s.compact(floor);
          const any = () => true;
          const prod = (r: AnyResource | undefined) => r?.tags?.env === 'prod';
          const west = (r: AnyResource | undefined) => r?.region === 'eu-west-1';
          for (let a = floor; a <= s.revision; a++) {
            for (let b = a; b <= s.revision; b++) {
              expect(kinds(s, a, b), `${a} → ${b}`).toEqual(expected(s, a, b, any));
              expect(kinds(s, a, b, { tag: 'env=prod' }), `${a} → ${b} prod`).toEqual(expected(s, a, b, prod));
              expect(kinds(s, a, b, { region: 'eu-west-1' }), `${a} → ${b} west`).toEqual(expected(s, a, b, west));
            }
          }
        } finally {
          await s.close();
        }
      }),
      { numRuns: Number(process.env.ELAVA_PROPERTY_RUNS ?? 40) },
    );
  }, 120_000);
});
