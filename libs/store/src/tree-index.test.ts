import { describe, expect, it } from 'vitest';
import { TreeIndex } from './tree-index.js';
import { VersionTable } from './version-table.js';

const labels = (key: string) => {
  const [, account = '', region = '', type = ''] = key.split(':');
  return { account, region, type };
};
const id = (n: number) => `aws:111111111111:us-east-1:ec2.vpc:vpc-${String(n).padStart(5, '0')}`;
const ids = (list: readonly { id: string }[] | null) => (list ?? []).map((k) => k.id);

describe('TreeIndex secondary indexes', () => {
  it('lists keys added out of order in id order, each once', () => {
    const tree = new TreeIndex(new VersionTable(), labels);
    const order = [5, 1, 9, 3, 7, 2, 8, 0, 6, 4];
    for (const n of order) tree.indexTags(tree.getOrCreate(id(n)), { env: n % 2 ? 'prod' : 'dev' });
    expect(ids(tree.indexed({ type: 'ec2.vpc' }))).toEqual(order.map(id).sort());
    expect(ids(tree.indexed({ tag: 'env=prod' }))).toEqual([1, 3, 5, 7, 9].map(id));
    expect(ids(tree.indexed({ tag: 'env' }))).toEqual(order.map(id).sort());
  });

  it('counts a key once in a pair it had, lost and had again', () => {
    const tree = new TreeIndex(new VersionTable(), labels);
    const a = tree.getOrCreate(id(1));
    const b = tree.getOrCreate(id(2));
    tree.indexTags(b, { env: 'prod' });
    tree.indexTags(a, { env: 'prod' });
    tree.indexTags(a, { env: 'dev' }, { env: 'prod' });
    tree.indexTags(a, { env: 'prod' }, { env: 'dev' });
    expect(ids(tree.indexed({ tag: 'env=prod' }))).toEqual([id(1), id(2)]);
    expect(ids(tree.indexed({ tag: 'env' }))).toEqual([id(1), id(2)]);
  });

  it('keeps each key once after a key flipped a tag 50,000 times unread', () => {
    const tree = new TreeIndex(new VersionTable(), labels);
    const keys = [2, 1].map((n) => tree.getOrCreate(id(n)));
    for (const k of keys) tree.indexTags(k, { env: 'prod' });
    let before: Record<string, string> = { env: 'prod' };
    for (let i = 0; i < 50_000; i++) {
      const now = { env: i % 2 ? 'prod' : 'dev' };
      tree.indexTags(keys[1] as never, now, before);
      before = now;
    }
    expect(ids(tree.indexed({ tag: 'env=prod' }))).toEqual([id(1), id(2)]);
    expect(ids(tree.indexed({ tag: 'env=dev' }))).toEqual([id(1)]);
  });

  it('finds a value one key alone has (a Name), and both keys once a second one takes it', () => {
    const tree = new TreeIndex(new VersionTable(), labels);
    const a = tree.getOrCreate(id(7));
    const b = tree.getOrCreate(id(3));
    tree.indexTags(a, { Name: 'web' });
    tree.indexTags(a, { Name: 'web', env: 'x' }, { env: 'y' });
    expect(ids(tree.indexed({ tag: 'Name=web' }))).toEqual([id(7)]);
    expect(ids(tree.indexed({ tag: 'Name=web', type: 'ec2.vpc' }))).toEqual([id(7)]);
    tree.indexTags(b, { Name: 'web' });
    expect(ids(tree.indexed({ tag: 'Name=web' }))).toEqual([id(3), id(7)]);
    expect(ids(tree.indexed({ tag: 'Name=db' }))).toEqual([]);
  });

  it('queues tag pairs until a tag filter reads them, and settles a budget at a time', () => {
    const tree = new TreeIndex(new VersionTable(), labels);
    for (let n = 0; n < 10; n++) tree.indexTags(tree.getOrCreate(id(n)), { env: n < 5 ? 'dev' : 'prod' });
    tree.indexTags(tree.getOrCreate(id(10)), null);
    expect(tree.unsettledTags).toBe(10);
    expect(tree.settleTags(4)).toBe(false);
    expect(tree.unsettledTags).toBe(6);
    // A filter by type alone leaves the queue as it is; one by tag settles all of it first.
    expect(ids(tree.indexed({ type: 'ec2.vpc' }))).toHaveLength(11);
    expect(tree.unsettledTags).toBe(6);
    expect(ids(tree.indexed({ tag: 'env=prod' }))).toEqual([5, 6, 7, 8, 9].map(id));
    expect(tree.unsettledTags).toBe(0);
    expect(tree.settleTags()).toBe(true);
  });
});
