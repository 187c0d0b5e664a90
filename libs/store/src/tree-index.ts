import btree from 'sorted-btree';
import { KeyIndex } from './key-index.js';
import type { VersionTable } from './version-table.js';

// sorted-btree is CommonJS with the class on `default`; Node's ESM loader and vitest's differ on
// whether a default import unwraps it.
const BTree =
  (btree as unknown as { default?: typeof btree.default }).default ?? (btree as unknown as typeof btree.default);

/**
 * What a key is indexed under besides itself. The engine never parses keys: the caller that
 * owns the key format says (keys.ts has Elava's, for `aws:` ids).
 */
export interface KeyLabels {
  type: string;
  account: string;
  region: string;
}

export type KeyLabeler = (key: string) => KeyLabels;

export interface RangeFilter {
  type?: string;
  account?: string;
  region?: string;
  /** `key=value`, or `key` alone for "has the tag". */
  tag?: string;
  prefix?: string;
}

/**
 * All key indexes in id order (as etcd's treeIndex), plus secondary indexes by type, by
 * account/region, by scan scope and by tag. A secondary index holds every id that ever matched;
 * whether it matches at a given revision is checked against that revision's version.
 */
export class TreeIndex {
  private readonly tree = new BTree<string, KeyIndex>();
  /** Point lookups by id skip the tree's log-time descent; the tree serves ordered walks. */
  private readonly byId = new Map<string, KeyIndex>();
  private readonly byType = new Map<string, KeySet>();
  private readonly byPlace = new Map<string, KeySet>();
  /**
   * tag key → tag value → resources; and tag key → resources, for "has the tag". A value one
   * resource alone has (a Name tag, mostly) maps to its key index itself, not a set of one: two
   * objects fewer for each of a first scan's hundred thousand names.
   */
  private readonly byTag = new Map<string, Map<string, KeySet | KeyIndex>>();
  private readonly byTagKey = new Map<string, KeySet>();
  /** Tag pairs written and not yet indexed: [ki, tags, before] in turn, in the order written. */
  private pendingTags: (KeyIndex | Record<string, string> | null)[] = [];

  constructor(
    private readonly table: VersionTable,
    private readonly labels: KeyLabeler,
  ) {}

  get size(): number {
    return this.tree.size;
  }

  get(id: string): KeyIndex | undefined {
    return this.byId.get(id);
  }

  /** The key index for `id`, created (and indexed by type and place) on first sight. */
  getOrCreate(id: string, labels?: KeyLabels): KeyIndex {
    const found = this.byId.get(id);
    if (found) return found;
    const p = labels ?? this.labels(id);
    const ki = new KeyIndex(id, p.type, p.account, p.region, this.table);
    this.tree.set(id, ki);
    this.byId.set(id, ki);
    add(this.byType, ki.type, ki);
    add(this.byPlace, `${ki.account}/${ki.region}`, ki);
    return ki;
  }

  /**
   * Records that `ki` carries these tags in some version; pairs it had before are indexed already.
   * Queued, not indexed: indexing a first scan's tags was a tenth of the writer's time, on the path
   * every page waits on, for an index only tag filters read. A tag filter indexes what is queued
   * first (`settleTags`), and the store settles the queue once its writer has been idle a moment.
   */
  indexTags(ki: KeyIndex, tags: Record<string, string> | null, before?: Record<string, string> | null): void {
    if (!tags) return;
    this.pendingTags.push(ki, tags, before ?? null);
    // A store written without a pause for so long still keeps its queue bounded.
    if (this.pendingTags.length >= 3 * MAX_PENDING_TAGS) this.settleTags();
  }

  /** Tag pairs written and not yet indexed. */
  get unsettledTags(): number {
    return this.pendingTags.length / 3;
  }

  /**
   * Indexes the queued tag pairs, at most `budget` of them (all by default); true when none are
   * left. Order does not matter to the result: an index holds every key that ever matched.
   */
  settleTags(budget = Number.POSITIVE_INFINITY): boolean {
    const queue = this.pendingTags;
    const n = Math.min(queue.length, 3 * budget);
    for (let i = 0; i < n; i += 3)
      this.applyTags(
        queue[i] as KeyIndex,
        queue[i + 1] as Record<string, string>,
        queue[i + 2] as Record<string, string> | null,
      );
    this.pendingTags = n === queue.length ? [] : queue.slice(n);
    return this.pendingTags.length === 0;
  }

  private applyTags(ki: KeyIndex, tags: Record<string, string>, before: Record<string, string> | null): void {
    for (const k in tags) {
      const value = tags[k] as string;
      if (before && before[k] === value) continue;
      let values = this.byTag.get(k);
      if (!values) {
        values = new Map();
        this.byTag.set(k, values);
      }
      const held = values.get(value);
      if (held === undefined) values.set(value, ki);
      else if (held instanceof KeySet) held.add(ki);
      else if (held !== ki) {
        const set = new KeySet();
        set.add(held);
        set.add(ki);
        values.set(value, set);
      }
      add(this.byTagKey, k, ki);
    }
  }

  /** Every key that starts with `prefix`, in id order. */
  *withPrefix(prefix: string): Generator<KeyIndex> {
    for (const [id, ki] of this.tree.entries(prefix)) {
      if (!id.startsWith(prefix)) return;
      yield ki;
    }
  }

  /**
   * The smallest secondary index that applies to a filter, in id order; null when none does (a
   * prefix or no filter: walk `candidates`). Callers still check each key at their revision.
   */
  indexed(filter: RangeFilter): readonly KeyIndex[] | null {
    const sets: KeySet[] = [];
    if (filter.type) sets.push(this.byType.get(filter.type) ?? new KeySet());
    if (filter.account && filter.region)
      sets.push(this.byPlace.get(`${filter.account}/${filter.region}`) ?? new KeySet());
    if (filter.tag) {
      this.settleTags();
      const eq = filter.tag.indexOf('=');
      const set =
        eq < 0 ? this.byTagKey.get(filter.tag) : this.byTag.get(filter.tag.slice(0, eq))?.get(filter.tag.slice(eq + 1));
      sets.push(set instanceof KeyIndex ? KeySet.of(set) : (set ?? new KeySet()));
    }
    return sets.length === 0 ? null : sets.reduce((a, b) => (a.size <= b.size ? a : b)).inOrder();
  }

  /**
   * Candidate key indexes for a filter, in id order: the smallest secondary index that applies,
   * or the id tree itself for a prefix or no filter. Callers still check each at their revision.
   */
  *candidates(filter: RangeFilter, after?: string): Generator<KeyIndex> {
    const sorted = this.indexed(filter);
    if (sorted) {
      for (let i = after === undefined ? 0 : firstAfter(sorted, after); i < sorted.length; i++)
        yield sorted[i] as KeyIndex;
      return;
    }
    const start = after ?? filter.prefix ?? '';
    for (const [id, ki] of this.tree.entries(start)) {
      if (after !== undefined && id <= after) continue;
      if (filter.prefix && !id.startsWith(filter.prefix)) return;
      yield ki;
    }
  }

  all(): IterableIterator<KeyIndex> {
    return this.tree.values();
  }
}

/** Tag pairs queued at most before they are indexed without waiting for a pause (see indexTags). */
const MAX_PENDING_TAGS = 1_000_000;

/** The first position whose id is past `after` (binary search). */
export function firstAfter(sorted: readonly KeyIndex[], after: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as KeyIndex).id <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A secondary index's keys, in id order for range reads: sorting ten thousand ids with a long
 * common prefix on every read was most of a range's time. A plain list, no membership set: keys
 * are added once when first indexed (a new key's type and place, a tag pair its previous version
 * lacked), so a repeat comes only from a pair a key had, lost and had again, and is dropped at
 * the next sort. Keys arriving in id order (a checkpoint's, a sorted page) need no sort at all.
 * A set of 100,000 keys per index was a tenth of the recorder's time on a first scan, and GC.
 */
class KeySet {
  private keys: KeyIndex[] = [];
  /** `keys` is in id order without repeats. */
  private inIdOrder = true;
  /** Its length after the last sort. */
  private settled = 0;

  /** May count a repeat added since the last read. */
  get size(): number {
    return this.keys.length;
  }

  static of(ki: KeyIndex): KeySet {
    const set = new KeySet();
    set.keys.push(ki);
    return set;
  }

  add(ki: KeyIndex): void {
    if (this.inIdOrder) {
      const last = this.keys[this.keys.length - 1];
      if (last === undefined || last.id < ki.id) {
        this.keys.push(ki);
        return;
      }
      if (last === ki) return;
      this.inIdOrder = false;
    }
    this.keys.push(ki);
    // Sorting whenever the list doubles keeps a key that flips a tag back and forth, unread,
    // from growing it without end; amortized, a logarithmic cost per add.
    if (this.keys.length > 2 * this.settled + 1024) this.settle();
  }

  inOrder(): readonly KeyIndex[] {
    if (!this.inIdOrder) this.settle();
    return this.keys;
  }

  private settle(): void {
    const keys = this.keys.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let w = 0;
    for (const k of keys) if (w === 0 || keys[w - 1] !== k) keys[w++] = k;
    keys.length = w;
    this.settled = w;
    this.inIdOrder = true;
  }
}

function add<K>(map: Map<K, KeySet>, key: K, ki: KeyIndex): void {
  let set = map.get(key);
  if (!set) {
    set = new KeySet();
    map.set(key, set);
  }
  set.add(ki);
}
