import { hash } from 'node:crypto';
import { type Delta, diff } from '@elava/store';
import { type AnyResource, type Change, type ChangeType, type FieldDiff, listKeysOf } from '@elava/types';
import { ebsMonthly, ec2Monthly, rdsMonthly, rdsStorageMonthly } from './prices.js';

/** Fields that move without anything having changed; never a change. */
const VOLATILE = [/^attributes\.available_ip_address_count$/, /^attributes\.last_/];

const STATUS = /^(status|attributes\.state|attributes\.status)$/;

/**
 * Same store, revision, resource and kind → same id: a redelivered delta is recognised downstream,
 * and a new store's revision 1 is never taken for an old one's (JetStream dedups by this id).
 */
export function changeId(store: string, resourceId: string, revision: number, type: ChangeType): string {
  return `chg_${hash('sha1', `${store}|${resourceId}|${revision}|${type}`, 'hex').slice(0, 24)}`;
}

function monthly(r: AnyResource | null): number | undefined {
  if (!r) return undefined;
  const a = r.attributes as unknown as Record<string, unknown>;
  switch (r.type) {
    case 'ec2.instance':
      return ec2Monthly(a.instance_type as string, r.region);
    case 'ec2.volume':
      return ebsMonthly(a.volume_type as string, a.size_gib as number, r.region);
    case 'rds.instance': {
      const engine = a.engine as string;
      const cls = rdsMonthly(a.instance_class as string, r.region, engine);
      // An unknown class has no price: no estimate at all rather than storage alone, which made an
      // upsize from an unlisted class look like the whole class price (+$12.41 for a downsize).
      if (cls === undefined) return undefined;
      // Storage has no published price here (undefined): the class alone is compared, so a change of
      // storage alone gives no cost change.
      const storage = rdsStorageMonthly(a.allocated_storage_gib as number, r.region, engine);
      return storage === undefined ? cls : cls + storage;
    }
    default:
      return undefined;
  }
}

/**
 * One delta from the store → the changes it amounts to. A modification is split by what moved:
 * tags only → tag_drift, state → status_changed, a bigger size or class → cost_increase (with the
 * monthly estimate), anything else → modified. Lists were matched by natural key in `diff`, so a
 * re-ordered list is no change at all.
 */
export function classify(
  store: string,
  delta: Delta,
  previous: AnyResource | null,
  current: AnyResource | null,
): Change[] {
  const base = {
    store,
    resource_id: delta.id,
    revision: delta.current.revision.main,
    previous_revision: delta.previous?.revision.main ?? null,
    time: delta.current.time,
    previous,
    current,
  };
  const make = (type: ChangeType, d: FieldDiff[], extra: Partial<Change> = {}): Change => ({
    id: changeId(store, delta.id, base.revision, type),
    type,
    ...base,
    diff: d,
    ...extra,
  });
  switch (delta.kind) {
    case 'added':
    case 'reappeared':
      return [make('appeared', [])];
    case 'tombstoned':
      return [make('disappeared', [])];
    case 'modified': {
      const all = diff(previous, current, current ? listKeysOf(current.type) : {}).filter(
        (d) => !VOLATILE.some((v) => v.test(d.path)),
      );
      const tags = all.filter((d) => d.path.startsWith('tags.'));
      const status = all.filter((d) => STATUS.test(d.path));
      const rest = all.filter((d) => !d.path.startsWith('tags.') && !STATUS.test(d.path));
      const out: Change[] = [];
      if (tags.length > 0) out.push(make('tag_drift', tags));
      if (status.length > 0) out.push(make('status_changed', status));
      const before = monthly(previous);
      const after = monthly(current);
      if (before !== undefined && after !== undefined && after > before + 0.005) {
        out.push(make('cost_increase', rest, { monthly_cost_delta: Math.round((after - before) * 100) / 100 }));
      }
      if (rest.length > 0) out.push(make('modified', rest));
      return out;
    }
  }
}
