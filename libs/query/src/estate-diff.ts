import type { EstateDiffEntry, ListKeys, Store } from '@elava/store';
import { decodeCursor } from './cursor.js';
import { PageBuilder } from './page.js';
import { type DiffParams, QueryError } from './params.js';

/**
 * One page of the estate diff between two instants: every resource added, removed or modified,
 * in (type, id) order so a page continues the type groups of the one before. Both revisions are
 * resolved on the first page and carried in the cursor: later pages compare the same two
 * instants however the estate has moved since.
 *
 * Items stay small: a modified resource carries only its field-level diff (the two whole
 * versions are a `resource` query away, at `from_revision` and `to_revision`); an added one
 * carries the resource as it is at `to` (`after`), a removed one as it was at `from` (`before`).
 * `revision` and `time` say when it last changed inside the window (for a removal: when it went).
 */
export function diffPage(store: Store, p: DiffParams, budget: number, listKeys: (type: string) => ListKeys): string {
  const c = decodeCursor(p.cursor);
  if (c && (c.f === undefined || c.r === undefined)) throw new QueryError(400, 'cursor: not a cursor of a diff');
  const from = c?.f ?? store.resolve(p.from);
  const to = c?.r ?? store.resolve(p.to);
  if (from > to)
    throw new QueryError(400, `from (revision ${from}) is after to (revision ${to}): give the earlier instant as from`);
  const page = new PageBuilder(p.limit, budget);
  const filter = { type: p.type, region: p.region, account: p.account, tags: p.tag };
  let last = c?.k;
  for (const e of store.diffBetween(from, to, filter, { after: c?.k, listKeys })) {
    if (!page.add(itemJson(e), { f: from, r: to, k: last })) break;
    last = e.id;
  }
  return page.toJSON({
    from_revision: from,
    to_revision: to,
    from_time: store.timeOf(from) ?? null,
    to_time: store.timeOf(to) ?? null,
  });
}

function itemJson(e: EstateDiffEntry): string {
  return JSON.stringify({
    id: e.id,
    type: e.type,
    account: e.account,
    region: e.region,
    kind: e.kind,
    revision: e.last.revision.main,
    time: e.last.time,
    diff: e.diff,
    ...(e.kind === 'added' ? { after: e.after?.resource } : {}),
    ...(e.kind === 'removed' ? { before: e.before?.resource } : {}),
  });
}
