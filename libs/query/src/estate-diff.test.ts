import { Store } from '@elava/store';
import { instance, scope, tempDir } from '@elava/store/testing';
import type { AnyResource } from '@elava/types';
import { afterEach, describe, expect, it } from 'vitest';
import { QueryError } from './params.js';
import { StoreReader } from './reader.js';

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

interface DiffItem {
  id: string;
  type: string;
  kind: string;
  revision: number;
  diff: { path: string; before?: unknown; after?: unknown }[];
  before?: AnyResource;
  after?: AnyResource;
}
interface DiffAnswer {
  from_revision: number;
  to_revision: number;
  from_time: string | null;
  to_time: string | null;
  items: DiffItem[];
  next_cursor: string | null;
}

const ask = (r: StoreReader, p: Record<string, unknown>): DiffAnswer => JSON.parse(r.answer('diff', p));

function fails(fn: () => unknown, status: number, text: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(QueryError);
    expect((err as QueryError).status).toBe(status);
    expect((err as Error).message).toMatch(text);
    return;
  }
  throw new Error('expected a QueryError');
}

const stopped = (n: number) => instance(n, { state: 'stopped' });

/** Ten instances at revision 1; at revision 2 two stopped, one gone and one new. */
async function estate(budget?: number): Promise<{ store: Store; reader: StoreReader }> {
  const store = await Store.open(tempDir('elava-query-diff-'));
  stores.push(store);
  const ten = Array.from({ length: 10 }, (_, i) => instance(i));
  await store.applyScan('s1', scope(), ten, { complete: true });
  const next = [...ten.slice(0, 9), instance(10)];
  next[2] = stopped(2);
  next[5] = stopped(5);
  await store.applyScan('s2', scope(), next, { complete: true });
  return { store, reader: new StoreReader(store, budget) };
}

describe('StoreReader diff', () => {
  it('answers both revisions and each resource that differs, small: diffs, or the whole resource added or removed', async () => {
    const { store, reader } = await estate();
    const a = ask(reader, { from: '1', to: '2' });
    expect(a).toMatchObject({ from_revision: 1, to_revision: 2, next_cursor: null });
    expect(a.from_time).toBe(store.timeOf(1));
    expect(a.to_time).toBe(store.timeOf(2));
    expect(a.items.map((i) => [i.kind, i.id])).toEqual([
      ['modified', instance(2).id],
      ['modified', instance(5).id],
      ['removed', instance(9).id],
      ['added', instance(10).id],
    ]);
    const [mod, , gone, born] = a.items;
    expect(mod).toEqual({
      id: instance(2).id,
      type: 'ec2.instance',
      account: '123456789012',
      region: 'us-east-1',
      kind: 'modified',
      revision: 2,
      time: store.timeOf(2),
      diff: [
        { path: 'attributes.state', before: 'running', after: 'stopped' },
        { path: 'status', before: 'running', after: 'stopped' },
      ],
    });
    expect(gone).toMatchObject({ kind: 'removed', revision: 2, diff: [], before: instance(9) });
    expect(gone?.after).toBeUndefined();
    expect(born).toMatchObject({ kind: 'added', diff: [], after: instance(10) });
    expect(born?.before).toBeUndefined();
    // Times and ages resolve as everywhere else; filters narrow.
    expect(ask(reader, { from: '1', to: '0s', tag: ['Name=web-9'] }).items.map((i) => i.kind)).toEqual(['removed']);
    expect(ask(reader, { from: '1', to: '2', tag: 'Name=web-5' }).items).toHaveLength(1);
    expect(ask(reader, { from: '1', to: '2', region: 'eu-west-1' }).items).toEqual([]);
    expect(ask(reader, { from: '2', to: '2' }).items).toEqual([]);
  });

  it('pages pinned to the two revisions while the estate moves on, and within the byte budget', async () => {
    const { store, reader } = await estate();
    const whole = ask(reader, { from: '1', to: '2' }).items;
    let page = ask(reader, { from: '1', to: '0s', limit: '1' });
    const seen = [...page.items];
    while (page.next_cursor) {
      await store.applyScan(`more-${seen.length}`, scope(), [stopped(seen.length + 20)]);
      // `to` says "now", but the cursor keeps the instant of the first page.
      page = ask(reader, { from: '1', to: '0s', limit: '1', cursor: page.next_cursor });
      expect(page).toMatchObject({ from_revision: 1, to_revision: 2 });
      seen.push(...page.items);
    }
    expect(seen).toEqual(whole);
    // One new instance per later page: the next diff to "now" shows them.
    expect(ask(reader, { from: '1', to: '0s' }).items.length).toBe(whole.length + 3);

    const small = new StoreReader(store, 400);
    const first = ask(small, { from: '1', to: '2', limit: '1000' });
    expect(first.items.length).toBeGreaterThan(0);
    expect(first.items.length).toBeLessThan(whole.length);
    const second = ask(small, { from: '1', to: '2', cursor: first.next_cursor });
    expect(second.items[0]?.id).toBe(whole[first.items.length]?.id);
  });

  it('matches lists by the keys of each type', async () => {
    const store = await Store.open(tempDir('elava-query-diff-'));
    stores.push(store);
    const sg = (port: number) =>
      ({
        id: 'aws:123456789012:us-east-1:ec2.security_group:sg-1',
        type: 'ec2.security_group',
        tags: {},
        attributes: { rules: [{ rule_id: 'r1', port }] },
      }) as unknown as AnyResource;
    await store.applyScan('1', scope('ec2.security_group'), [sg(22)]);
    await store.applyScan('2', scope('ec2.security_group'), [sg(23)]);
    const keys: Readonly<Record<string, string>> = { 'attributes.rules': 'rule_id' };
    const reader = new StoreReader(store, undefined, (t) => (t === 'ec2.security_group' ? keys : {}));
    expect(ask(reader, { from: '1', to: '2' }).items[0]?.diff).toEqual([
      { path: 'attributes.rules[rule_id=r1].port', before: 22, after: 23 },
    ]);
  });

  it('refuses what it cannot answer, saying why', async () => {
    const { store, reader } = await estate();
    fails(() => reader.answer('diff', {}), 400, /from: required.*to: required/);
    fails(() => reader.answer('diff', { from: 'tuesday', to: '1' }), 400, /from: cannot read "tuesday" as a time/);
    fails(() => reader.answer('diff', { from: '2', to: '1' }), 400, /from \(revision 2\) is after to \(revision 1\)/);
    fails(() => reader.answer('diff', { from: '1', to: '7' }), 400, /revision 7 is in the future/);
    fails(() => reader.answer('diff', { from: '1', to: '2', tag: ['ok=1', '=x'] }), 400, /tag.1: expected key=value/);
    fails(() => reader.answer('diff', { from: '1', to: '2', type: 'ec2.banana' }), 400, /type: unknown resource type/);
    fails(() => reader.answer('diff', { from: '1', to: '2', at: '1' }), 400, /unknown parameter "at"/);
    const listing = JSON.parse(reader.answer('resources', { limit: '1' })).next_cursor;
    fails(() => reader.answer('diff', { from: '1', to: '2', cursor: listing }), 400, /not a cursor of a diff/);
    await store.applyScan('s3', scope(), [], { complete: true });
    await store.compact(2);
    fails(() => reader.answer('diff', { from: '1', to: '3' }), 410, /revision 1 has been compacted/);
    expect(ask(reader, { from: '2', to: '3' }).items.map((i) => i.kind)).toEqual(Array(10).fill('removed'));
  });
});
