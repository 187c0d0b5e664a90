import { ACTIONS, outcomeText, SEVERITIES } from '@elava/types';
import { ago, toSelector, when } from '../format';
import { useApi, useQueryState } from '../hooks';
import type { Decision, Page, Why } from '../model';
import { DiffTable } from '../parts/diff-table';
import { Filters } from '../parts/filters';
import { Loading, Problem, ResourceLink, Severity } from '../parts/misc';
import { Pager } from '../parts/pager';

/** observation → change and diff → policy → decision → notifications and executions. */
export function WhyChain({ id }: { id: string }) {
  const why = useApi<Why>(`/v1/decisions/${encodeURIComponent(id)}/why`);
  if (why.error) return <Problem error={why.error} />;
  const w = why.data;
  if (!w) return <Loading when />;
  const d = w.decision;
  return (
    <ol class="why" data-testid="why-chain">
      {w.observation ? (
        <li>
          <b>observed</b> at revision {w.observation.revision}
          {w.observation.time ? ` (${when(w.observation.time)})` : ''} ·{' '}
          <a href={`/resource?id=${encodeURIComponent(d.resource.id)}&to=${w.observation.revision}`}>that version</a>
        </li>
      ) : null}
      {w.change ? (
        <li>
          <b>change</b> {w.change.type} at revision {w.change.revision}
          {w.change.previous_revision ? ` (was revision ${w.change.previous_revision})` : ''}, recorded{' '}
          {when(w.change.recorded.time)}
          {w.change.actor ? (
            <div class="small muted">
              by {w.change.actor.principal_arn} ({w.change.actor.event_name}, via {w.change.actor.via})
            </div>
          ) : null}
          {w.change.diff.length > 0 ? <DiffTable diff={w.change.diff} /> : null}
        </li>
      ) : d.change ? (
        <li>
          <b>change</b> {d.change.type} {d.change.id} <span class="muted">(its entry is not in the trail)</span>
        </li>
      ) : null}
      {d.policy ? (
        <li>
          <b>policy</b> {d.policy.package} {d.policy.rule}: {String(d.metadata.policy_msg ?? d.reason)}
        </li>
      ) : null}
      <li>
        <b>decision</b> {d.action} <Severity value={d.severity} />: {d.reason}{' '}
        <span class="muted">
          (revision {d.revision}, decided {when(w.decided.time)})
        </span>
      </li>
      {w.outcomes.length === 0 ? (
        <li>
          <b>execution</b> <span class="muted">nothing done with it yet</span>
        </li>
      ) : (
        w.outcomes.map((o) => (
          <li key={o.seq}>
            <b>{o.type === 'executed' && o.data.via === 'slack' ? 'notification' : 'execution'}</b> {outcomeText(o)}{' '}
            <span class="muted">at {when(o.time)}</span>
          </li>
        ))
      )}
    </ol>
  );
}

/** What was decided, by severity and action; each opens its why-chain. */
export function Decisions() {
  const [q, set] = useQueryState();
  const since = q.since ?? '24h';
  const page = useApi<Page<Decision>>('/v1/decisions', {
    since: toSelector(since),
    severity: q.severity,
    action: q.action,
    resource: q.resource,
    cursor: q.cursor,
  });
  return (
    <div class="page decisions">
      <header class="page-head">
        <h1>Decisions</h1>
        <p class="muted">what the policies and the change rules decided, and why</p>
      </header>
      <Filters
        fields={[
          { name: 'since', label: 'since', placeholder: '24h, 2h ago, revision, RFC 3339', fallback: '24h' },
          { name: 'severity', label: 'severity', options: SEVERITIES },
          { name: 'action', label: 'action', options: ACTIONS },
          { name: 'resource', label: 'resource', placeholder: 'aws:…', wide: true },
        ]}
      />
      <Problem error={page.error} />
      <Loading when={page.loading && !page.data} />
      {page.data?.items.length === 0 ? <p class="muted">no decision in this window matches</p> : null}
      {q.open && page.data && !page.data.items.some((d) => d.id === q.open) ? (
        <section class="card">
          <h2>
            Why: decision {q.open}{' '}
            <button type="button" class="quiet" onClick={() => set({ open: null }, true)}>
              hide
            </button>
          </h2>
          <WhyChain id={q.open} />
        </section>
      ) : null}
      <div class="decision-list">
        {page.data?.items.map((d) => {
          const open = q.open === d.id;
          return (
            <article key={d.id} class={`decision${open ? ' open' : ''}`} data-decision={d.id}>
              <header>
                <Severity value={d.severity} />
                <span class="action">{d.action}</span>
                <ResourceLink id={d.resource.id} at={d.revision} />
                <span class="reason">{d.reason}</span>
                <span class="muted small" title={d.time}>
                  {d.policy ? d.policy.package : d.change?.type} · r{d.revision} · {ago(d.time)}
                </span>
                <button type="button" class="quiet" onClick={() => set({ open: open ? null : d.id }, true)}>
                  {open ? 'hide why' : 'why?'}
                </button>
              </header>
              {open ? <WhyChain id={d.id} /> : null}
            </article>
          );
        })}
      </div>
      {page.data ? <Pager next={page.data.next_cursor} count={page.data.items.length} /> : null}
    </div>
  );
}
