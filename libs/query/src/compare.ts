import { diff, type ListKeys, type Store } from '@elava/store';
import { type CompareParams, QueryError } from './params.js';

/**
 * One resource at two instants and the field-level diff between them (not the chain of versions
 * in between), lists matched by their natural keys as in its history. A side where the resource
 * did not exist is `null`: the diff then adds or removes every field.
 */
export function compareVersions(store: Store, p: CompareParams, listKeysOf: (id: string) => ListKeys): string {
  const fromRev = store.resolve(p.from);
  const toRev = store.resolve(p.to);
  const before = store.get(p.id, fromRev);
  const after = store.get(p.id, toRev);
  if (!before && !after) throw new QueryError(404, `${p.id} existed at neither revision ${fromRev} nor ${toRev}`);
  const side = (rev: number, v: typeof before) => ({
    revision: rev,
    time: store.timeOf(rev) ?? null,
    version: v ? { revision: v.revision, version: v.version, time: v.time, resource: v.resource } : null,
  });
  return JSON.stringify({
    id: p.id,
    from: side(fromRev, before),
    to: side(toRev, after),
    diff: diff(before?.resource, after?.resource, listKeysOf(p.id)),
  });
}
