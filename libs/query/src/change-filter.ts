import type { Store } from '@elava/store';
import { type ChangeSummary, parseResourceId } from '@elava/types';
import type { ChangesParams } from './params.js';

/**
 * The changes listing's filters on where a resource lives and what it is tagged, beyond the
 * change type and resource: `kind`, `account`, `region` and `tag`. A tag is matched on the
 * version the change made, from the store's index (no document is read), or for a
 * disappearance on the version before it.
 */
export function changeFilter(
  store: Store,
  p: Pick<ChangesParams, 'kind' | 'account' | 'region' | 'tag'>,
  sinceRevision: number,
): (ch: ChangeSummary) => boolean {
  if (!p.kind && !p.account && !p.region && !p.tag) return () => true;
  let tagged: Set<string> | null = null;
  const taggedVersions = (): Set<string> => {
    if (tagged) return tagged;
    tagged = new Set();
    const from = Math.max(sinceRevision - 1, store.compactedAt);
    for (const r of store.changesSince(from, { tag: p.tag, account: p.account, region: p.region }))
      tagged.add(`${r.id}@${r.current.revision.main}`);
    return tagged;
  };
  return (ch) => {
    if (p.kind && ch.type !== p.kind) return false;
    if (p.account || p.region) {
      let place: { account: string; region: string };
      try {
        place = parseResourceId(ch.resource_id);
      } catch {
        return false;
      }
      if ((p.account && place.account !== p.account) || (p.region && place.region !== p.region)) return false;
    }
    if (!p.tag) return true;
    if (ch.type === 'disappeared') {
      if (ch.previous_revision === null || ch.previous_revision < store.compactedAt) return false;
      return hasTag(store.get(ch.resource_id, ch.previous_revision)?.resource?.tags, p.tag);
    }
    return taggedVersions().has(`${ch.resource_id}@${ch.revision}`);
  };
}

function hasTag(tags: Record<string, string> | undefined, tag: string): boolean {
  if (!tags) return false;
  const eq = tag.indexOf('=');
  return eq < 0 ? tag in tags : tags[tag.slice(0, eq)] === tag.slice(eq + 1);
}
