import { useFacets } from '../facets';
import { ago, toSelector, when } from '../format';
import { useApi, useQueryState } from '../hooks';
import type { Page, StoreStatus, Version } from '../model';
import { Filters } from '../parts/filters';
import { Loading, Problem, ResourceLink, Tags } from '../parts/misc';
import { Pager } from '../parts/pager';

type Listing = Page<Version> & { revision: number; time: string | null };

/** Steps back in time: a revision on a slider, or typed as a revision, an RFC 3339 time or "2h ago". */
function TimeControl({ revision, head }: { revision: number | undefined; head: number | undefined }) {
  const [q, set] = useQueryState();
  const go = (at: string | null) => set({ at, cursor: null });
  return (
    <div class="time-control">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          go(String(new FormData(e.currentTarget).get('at') ?? '').trim() || null);
        }}
      >
        <label>
          <span>as of</span>
          <input
            name="at"
            type="text"
            key={q.at ?? ''}
            defaultValue={q.at ?? ''}
            placeholder="now · 812 · 2h ago · 2026-05-01T10:00:00Z"
            autoComplete="off"
            spellcheck={false}
          />
        </label>
        <button type="submit">go</button>
        {['15m ago', '1h ago', '24h ago'].map((a) => (
          <button type="button" key={a} class="quiet" onClick={() => go(a)}>
            {a}
          </button>
        ))}
        <button type="button" class="quiet" onClick={() => go(null)}>
          now
        </button>
      </form>
      {head && head > 1 ? (
        <input
          class="slider"
          type="range"
          min={1}
          max={head}
          value={revision ?? head}
          aria-label="revision"
          onChange={(e) => go(String((e.currentTarget as HTMLInputElement).value))}
        />
      ) : null}
    </div>
  );
}

/** The estate as it was at any instant, a page at a time, filtered on the server. */
export function Estate() {
  const [q] = useQueryState();
  const facets = useFacets();
  const status = useApi<StoreStatus>('/v1/status');
  const list = useApi<Listing>('/v1/resources', {
    at: toSelector(q.at),
    type: q.type,
    region: q.region,
    account: q.account,
    tag: q.tag,
    cursor: q.cursor,
    limit: '50',
  });
  const l = list.data;
  return (
    <div class="page estate">
      <header class="page-head">
        <h1>Estate</h1>
        <p class="muted">
          {l ? (
            <>
              as of revision <b data-testid="estate-revision">{l.revision}</b> · {when(l.time)} ({ago(l.time)})
              {status.data && l.revision < status.data.revision ? (
                <span class="past"> · in the past: now is revision {status.data.revision}</span>
              ) : null}
            </>
          ) : (
            'the resources as they were'
          )}
        </p>
      </header>
      <TimeControl revision={l?.revision} head={status.data?.revision} />
      <Filters
        fields={[
          { name: 'type', label: 'type', options: facets.types },
          { name: 'account', label: 'account', options: facets.accounts },
          { name: 'region', label: 'region', options: facets.regions },
          { name: 'tag', label: 'tag', placeholder: 'key=value or key' },
        ]}
      />
      <Problem error={list.error} />
      <Loading when={list.loading && !l} />
      {l ? (
        <>
          <table class="list resources" data-testid="resources">
            <thead>
              <tr>
                <th>resource</th>
                <th>name</th>
                <th>status</th>
                <th>tags</th>
                <th>version</th>
                <th>since</th>
              </tr>
            </thead>
            <tbody>
              {l.items.map((v) => (
                <tr key={v.id} data-id={v.id}>
                  <td>
                    <ResourceLink id={v.id} at={l.revision} />
                  </td>
                  <td>{v.resource?.name ?? ''}</td>
                  <td>{v.resource?.status ?? ''}</td>
                  <td class="small">
                    <Tags tags={v.resource?.tags} />
                  </td>
                  <td class="num">{v.version}</td>
                  <td class="muted" title={v.time}>
                    {ago(v.time)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {l.items.length === 0 ? <p class="muted">no resource matches at this revision</p> : null}
          <Pager next={l.next_cursor} count={l.items.length} />
        </>
      ) : null}
    </div>
  );
}
