import { parseResourceId } from '@elava/types';
import btree from 'sorted-btree';
import { KeyIndex } from './key-index.js';
import type { VersionTable } from './version-table.js';

// sorted-btree is CommonJS with the class on `default`; Node's ESM loader and vitest's differ on
// whether a default import unwraps it.
const BTree =
  (btree as unknown as { default?: typeof btree.default }).default ?? (btree as unknown as typeof btree.default);

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
  private readonly byType = new Map<string, Set<KeyIndex>>();
  private readonly byPlace = new Map<string, Set<KeyIndex>>();
  private readonly byScope = new Map<string, Set<KeyIndex>>();
  /** tag key → tag value → resources; and tag key → resources, for "has the tag". */
  private readonly byTag = new Map<string, Map<string, Set<KeyIndex>>>();
  private readonly byTagKey = new Map<string, Set<KeyIndex>>();

  constructor(private readonly table: VersionTable) {}

  get size(): number {
    return this.tree.size;
  }

  get(id: string): KeyIndex | undefined {
    return this.byId.get(id);
  }

  /** The key index for `id`, created (and indexed by type and place) on first sight. */
  getOrCreate(id: string): KeyIndex {
    const found = this.byId.get(id);
    if (found) return found;
    const p = parseResourceId(id);
    const ki = new KeyIndex(id, p.type, p.account, p.region, this.table);
    this.tree.set(id, ki);
    this.byId.set(id, ki);
    add(this.byType, ki.type, ki);
    add(this.byPlace, `${ki.account}/${ki.region}`, ki);
    add(this.byScope, scopeBase(ki.account, ki.region, ki.type), ki);
    return ki;
  }

  /** Records that `ki` carries these tags in some version; pairs it had before are indexed already. */
  indexTags(ki: KeyIndex, tags: Record<string, string> | null, before?: Record<string, string> | null): void {
    if (!tags) return;
    for (const k in tags) {
      const value = tags[k] as string;
      if (before && before[k] === value) continue;
      let values = this.byTag.get(k);
      if (!values) {
        values = new Map();
        this.byTag.set(k, values);
      }
      add(values, value, ki);
      add(this.byTagKey, k, ki);
    }
  }

  /** Every resource ever seen in an (account, region, type) scope. */
  inScope(account: string, region: string, type: string): Iterable<KeyIndex> {
    return this.byScope.get(scopeBase(account, region, type)) ?? [];
  }

  /**
   * Candidate key indexes for a filter, in id order: the smallest secondary index that applies,
   * or the id tree itself for a prefix or no filter. Callers still check each at their revision.
   */
  *candidates(filter: RangeFilter, after?: string): Generator<KeyIndex> {
    const sets: Set<KeyIndex>[] = [];
    if (filter.type) sets.push(this.byType.get(filter.type) ?? new Set());
    if (filter.account && filter.region) sets.push(this.byPlace.get(`${filter.account}/${filter.region}`) ?? new Set());
    if (filter.tag) {
      const eq = filter.tag.indexOf('=');
      const set =
        eq < 0 ? this.byTagKey.get(filter.tag) : this.byTag.get(filter.tag.slice(0, eq))?.get(filter.tag.slice(eq + 1));
      sets.push(set ?? new Set());
    }
    if (sets.length > 0) {
      const smallest = sets.reduce((a, b) => (a.size <= b.size ? a : b));
      const sorted = [...smallest].filter((ki) => after === undefined || ki.id > after);
      sorted.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      yield* sorted;
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

export function scopeBase(account: string, region: string, type: string): string {
  return `${account}/${region}/${type}`;
}

function add<K>(map: Map<K, Set<KeyIndex>>, key: K, ki: KeyIndex): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(ki);
}
