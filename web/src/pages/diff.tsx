import { useFacets } from '../facets';
import { toSelector, when } from '../format';
import { useApi, useQueryState } from '../hooks';
import type { DiffItem, EstateDiff, StoreStatus } from '../model';
import { DiffTable } from '../parts/diff-table';
import { Filters } from '../parts/filters';
import { Kind, Loading, Problem, ResourceLink } from '../parts/misc';
import { Pager } from '../parts/pager';

const KIND_CHANGE: Record<DiffItem['kind'], string> = {
  added: 'appeared',
  removed: 'disappeared',
  modified: 'modified',
};

/** `git diff` between two instants of the estate: what was added, removed or modified, by type. */
export function Diff() {
  const [q] = useQueryState();
  const facets = useFacets();
  const status = useApi<StoreStatus>('/v1/status');
  const from = q.from ?? '1h';
  const to = q.to ?? 'now';
  const ready = to !== 'now' || Boolean(status.data);
  const page = useApi<EstateDiff>(ready ? '/v1/diff' : null, {
    from: toSelector(from),
    to: to === 'now' ? String(status.data?.revision ?? '') || undefined : toSelector(to),
    type: q.type,
    region: q.region,
    account: q.account,
    tag: q.tag,
    cursor: q.cursor,
  });
  const groups = new Map<string, DiffItem[]>();
  for (const item of page.data?.items ?? []) groups.set(item.type, [...(groups.get(item.type) ?? []), item]);
  const count = (k: DiffItem['kind']) => page.data?.items.filter((i) => i.kind === k).length ?? 0;
  return (
    <div class="page diff">
      <header class="page-head">
        <h1>Diff</h1>
        <p class="muted">
          the estate at two instants compared: each resource's version at the first against the second
        </p>
      </header>
      <Filters
        fields={[
          { name: 'from', label: 'from', placeholder: 'revision, RFC 3339, 2h ago', fallback: '1h' },
          { name: 'to', label: 'to', placeholder: 'now, revision, RFC 3339', fallback: 'now' },
          { name: 'type', label: 'type', options: facets.types },
          { name: 'account', label: 'account', options: facets.accounts },
          { name: 'region', label: 'region', options: facets.regions },
          { name: 'tag', label: 'tag', placeholder: 'key=value or key' },
        ]}
      />
      <Problem error={ready ? page.error : status.error} />
      <Loading when={page.loading && !page.data} />
      {page.data ? (
        <>
          <p data-testid="diff-summary">
            revision <b>{page.data.from_revision}</b> → <b>{page.data.to_revision}</b>: {count('added')} added,{' '}
            {count('removed')} removed, {count('modified')} modified
            {page.data.next_cursor || q.cursor ? ' on this page' : ''}
          </p>
          {page.data.items.length === 0 ? <p class="muted">nothing differs</p> : null}
          {[...groups].map(([type, items]) => (
            <section class="card diff-group" key={type} data-type={type}>
              <h2>
                {type} <small class="muted">{items.length}</small>
              </h2>
              {items.map((i) => (
                <article class="change" key={i.id} data-id={i.id} data-kind={i.kind}>
                  <header>
                    <Kind value={KIND_CHANGE[i.kind]} />
                    <ResourceLink
                      id={i.id}
                      at={i.kind === 'removed' ? page.data?.from_revision : page.data?.to_revision}
                    />
                    <a
                      class="small"
                      href={`/resource?id=${encodeURIComponent(i.id)}&from=${page.data?.from_revision}&to=${page.data?.to_revision}`}
                    >
                      its versions
                    </a>
                  </header>
                  {i.kind === 'modified' ? <DiffTable diff={i.diff} /> : null}
                </article>
              ))}
            </section>
          ))}
          <Pager next={page.data.next_cursor} count={page.data.items.length} />
          <p class="muted small">
            {when(status.data?.time)} is now (revision {status.data?.revision})
          </p>
        </>
      ) : null}
    </div>
  );
}
