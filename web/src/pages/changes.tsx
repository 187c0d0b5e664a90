import { CHANGE_TYPES } from '@elava/types';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { useFacets } from '../facets';
import { ago, toSelector } from '../format';
import { useApi, useQueryState } from '../hooks';
import { useLive } from '../live';
import type { ChangeSummary, Page } from '../model';
import { DiffTable } from '../parts/diff-table';
import { Filters } from '../parts/filters';
import { Kind, Loading, Problem, ResourceLink, Severity, Tags } from '../parts/misc';
import { Pager } from '../parts/pager';

type LiveChange = ChangeSummary & { tags?: Record<string, string> };

function ChangeRow({ c, fresh }: { c: LiveChange; fresh?: boolean }) {
  return (
    <article class={`change${fresh ? ' fresh' : ''}`} data-change={c.id} data-resource={c.resource_id}>
      <header>
        <Kind value={c.type} />
        <ResourceLink id={c.resource_id} at={c.revision} />
        <span class="muted" title={c.time}>
          revision {c.revision} · {ago(c.time)}
        </span>
        {c.severity && c.severity !== 'none' ? <Severity value={c.severity} /> : null}
        {c.baseline ? <span class="muted small">first scan of its scope</span> : null}
        {c.actor ? <span class="muted small">by {c.actor.principal_arn}</span> : null}
      </header>
      {c.tags ? (
        <div class="small">
          <Tags tags={c.tags} />
        </div>
      ) : null}
      {c.type === 'appeared' || c.type === 'disappeared' ? null : <DiffTable diff={c.diff} />}
      {c.previous_revision !== null && c.type !== 'disappeared' ? (
        <a
          class="small"
          href={`/resource?id=${encodeURIComponent(c.resource_id)}&from=${c.previous_revision}&to=${c.revision}`}
        >
          compare revisions {c.previous_revision} → {c.revision}
        </a>
      ) : null}
    </article>
  );
}

/**
 * What changed, filtered by resource type, change kind, account, region, tag and resource: the
 * window's changes a page at a time (oldest first, as the trail has them), and above them the
 * ones arriving now, pushed by the API as they are published.
 */
export function Changes() {
  const [q] = useQueryState();
  const facets = useFacets();
  const since = q.since ?? '1h';
  const filter = { type: q.type, kind: q.kind, account: q.account, region: q.region, tag: q.tag, resource: q.resource };
  const page = useApi<Page<ChangeSummary>>('/v1/changes', { ...filter, since: toSelector(since), cursor: q.cursor });
  const [live, setLive] = useState<LiveChange[]>([]);
  const filterKey = JSON.stringify(filter);
  useEffect(() => setLive([]), [filterKey]);
  const onChange = useCallback((data: unknown) => setLive((l) => [data as LiveChange, ...l].slice(0, 200)), []);
  const state = useLive(filter, { change: onChange });
  return (
    <div class="page changes">
      <header class="page-head">
        <h1>Changes</h1>
        <p class="muted">every change the detector found, with its diff; new ones appear as they happen</p>
      </header>
      <Filters
        fields={[
          { name: 'since', label: 'since', placeholder: '1h, 2h ago, revision, RFC 3339', fallback: '1h' },
          { name: 'type', label: 'resource type', options: facets.types },
          { name: 'kind', label: 'change', options: CHANGE_TYPES },
          { name: 'account', label: 'account', options: facets.accounts },
          { name: 'region', label: 'region', options: facets.regions },
          { name: 'tag', label: 'tag', placeholder: 'key=value or key' },
          { name: 'resource', label: 'resource', placeholder: 'aws:…:ec2.instance:i-…', wide: true },
        ]}
      />
      <section class="live" aria-live="polite" data-testid="live">
        <h2>
          <span class={`dot ${state}`} /> Live{' '}
          <small class="muted">
            {state === 'live' ? 'connected: changes appear here as they happen' : `${state} …`}
          </small>
        </h2>
        {live.length === 0 ? <p class="muted small">nothing yet since this page opened</p> : null}
        {live.map((c) => (
          <ChangeRow key={`live-${c.id}`} c={c} fresh />
        ))}
      </section>
      <section>
        <h2>
          Since {since} <small class="muted">{q.cursor ? '(a later page)' : ''}</small>
        </h2>
        <Problem error={page.error} />
        <Loading when={page.loading && !page.data} />
        {page.data?.items.length === 0 ? <p class="muted">no changes in this window match</p> : null}
        {page.data?.items.map((c) => (
          <ChangeRow key={c.id} c={c} />
        ))}
        {page.data ? <Pager next={page.data.next_cursor} count={page.data.items.length} /> : null}
      </section>
    </div>
  );
}
