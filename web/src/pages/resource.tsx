import { ago, parts, when } from '../format';
import { useApi, useQueryState } from '../hooks';
import type { Compare, HistoryEntry, Page } from '../model';
import { DiffTable } from '../parts/diff-table';
import { Problem, Tags } from '../parts/misc';
import { Pager } from '../parts/pager';

/**
 * One resource: its versions on a timeline (each with what it changed), and the diff between any
 * two instants, which compares the two versions in force then and skips those in between.
 */
export function Resource() {
  const [q, set] = useQueryState();
  const id = q.id ?? '';
  const history = useApi<Page<HistoryEntry> & { versions: number }>(
    id ? `/v1/resources/${encodeURIComponent(id)}/history` : null,
    { cursor: q.cursor, limit: '200' },
  );
  const versions = history.data?.items ?? [];
  const last = versions.at(-1);
  const to = q.to ?? (last ? String(last.revision.main) : undefined);
  const idx = versions.findIndex((v) => String(v.revision.main) === to);
  const from =
    q.from ??
    (idx > 0 ? String(versions[idx - 1]?.revision.main) : versions[0] ? String(versions[0].revision.main) : undefined);
  const cmp = useApi<Compare>(id && from && to ? `/v1/resources/${encodeURIComponent(id)}/diff` : null, { from, to });
  const p = parts(id);
  const revisions = [
    ...new Set([...versions.map((v) => String(v.revision.main)), from, to].filter(Boolean) as string[]),
  ].sort((a, b) => Number(a) - Number(b));
  const shown = cmp.data?.to.version ?? cmp.data?.from.version;
  return (
    <div class="page resource">
      <header class="page-head">
        <h1>
          {p.native || 'Resource'} <small class="muted">{p.type}</small>
        </h1>
        <p class="muted mono">{id}</p>
        <p class="small">
          <a href={`/changes?since=0&resource=${encodeURIComponent(id)}`}>its changes</a> ·{' '}
          <a href={`/decisions?since=0&resource=${encodeURIComponent(id)}`}>its decisions</a>
        </p>
      </header>
      <Problem error={id ? history.error : 'no resource named: open one from the estate or a change'} />
      {versions.length > 0 ? (
        <section class="card">
          <h2>
            Versions <small class="muted">({history.data?.versions} recorded)</small>
          </h2>
          <ol class="timeline" data-testid="timeline">
            {versions.map((v, i) => {
              const rev = String(v.revision.main);
              const selected = rev === to ? 'to' : rev === from ? 'from' : '';
              return (
                <li key={rev} class={`${v.tombstone ? 'gone' : ''} ${selected}`}>
                  <button
                    type="button"
                    title={`version ${v.version} at revision ${rev}, ${v.time}`}
                    onClick={() => set({ to: rev, from: i > 0 ? String(versions[i - 1]?.revision.main) : rev }, true)}
                  >
                    <b>r{rev}</b>
                    <span>{v.tombstone ? 'gone' : `v${v.version}`}</span>
                    <small>{ago(v.time)}</small>
                  </button>
                  <small class="muted">
                    {i === 0
                      ? 'first seen'
                      : v.tombstone
                        ? 'disappeared'
                        : `${v.diff.length} field${v.diff.length === 1 ? '' : 's'}`}
                  </small>
                </li>
              );
            })}
          </ol>
          <Pager next={history.data?.next_cursor} count={versions.length} />
        </section>
      ) : null}
      {revisions.length > 0 ? (
        <section class="card">
          <h2>Diff</h2>
          <form class="filters" onSubmit={(e) => e.preventDefault()}>
            <RevisionPicker
              label="from revision"
              value={from}
              revisions={revisions}
              pick={(v) => set({ from: v }, true)}
            />
            <RevisionPicker label="to revision" value={to} revisions={revisions} pick={(v) => set({ to: v }, true)} />
          </form>
          <Problem error={cmp.error} />
          {cmp.data ? (
            <>
              <p class="muted small">
                revision {cmp.data.from.revision} ({when(cmp.data.from.time)}):{' '}
                {cmp.data.from.version ? `version ${cmp.data.from.version.version}` : 'did not exist'} → revision{' '}
                {cmp.data.to.revision} ({when(cmp.data.to.time)}):{' '}
                {cmp.data.to.version ? `version ${cmp.data.to.version.version}` : 'did not exist'}
              </p>
              <DiffTable diff={cmp.data.diff} empty="the same at both revisions" />
            </>
          ) : null}
        </section>
      ) : null}
      {shown?.resource ? (
        <section class="card">
          <h2>
            As of revision {cmp.data?.to.version ? cmp.data.to.revision : cmp.data?.from.revision}{' '}
            <small class="muted">{shown.resource.status ?? ''}</small>
          </h2>
          <Tags tags={shown.resource.tags} />
          <pre class="doc">{JSON.stringify(shown.resource, null, 2)}</pre>
        </section>
      ) : null}
    </div>
  );
}

/** One end of the diff: a revision the resource has a version at. */
function RevisionPicker(p: {
  label: string;
  value: string | undefined;
  revisions: readonly string[];
  pick: (v: string) => void;
}) {
  return (
    <label>
      <span>{p.label}</span>
      <select value={p.value} onChange={(e) => p.pick((e.currentTarget as HTMLSelectElement).value)}>
        {p.revisions.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
    </label>
  );
}
