import { useEffect } from 'preact/hooks';
import { ago } from '../format';
import { useApi } from '../hooks';
import type { ServicesHealth, Stats, StoreStatus } from '../model';
import { ChangesChart } from '../parts/chart';
import { Problem } from '../parts/misc';

function Counts({ title, counts, link }: { title: string; counts: Record<string, number>; link: string }) {
  const rows = Object.entries(counts).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const max = Math.max(1, ...rows.map(([, n]) => n));
  return (
    <section class="card counts" data-testid={`counts-${link}`}>
      <h2>{title}</h2>
      {rows.length === 0 ? <p class="muted">nothing recorded yet</p> : null}
      <table>
        <tbody>
          {rows.map(([k, n]) => (
            <tr key={k}>
              <td>
                <a href={`/estate?${link}=${encodeURIComponent(k)}`}>{k}</a>
              </td>
              <td class="bar">
                <span style={{ width: `${(100 * n) / max}%` }} />
              </td>
              <td class="num" data-key={k}>
                {n}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** The estate now: what there is, how fast it changes, what is wrong, and whether Elava is well. */
export function Overview() {
  const stats = useApi<Stats>('/v1/stats');
  const status = useApi<StoreStatus>('/v1/status');
  const services = useApi<ServicesHealth>('/v1/services');
  useEffect(() => {
    const t = setInterval(() => {
      stats.reload();
      status.reload();
      services.reload();
    }, 10_000);
    return () => clearInterval(t);
  }, [stats.reload, status.reload, services.reload]);
  const s = stats.data;
  return (
    <div class="page overview">
      <header class="page-head">
        <h1>Overview</h1>
        {s ? (
          <p class="muted">
            the estate at revision <b>{s.revision}</b> ({ago(s.time)}) ·{' '}
            <a href={`/estate?at=${s.revision}`}>browse it</a>
          </p>
        ) : null}
      </header>
      <Problem error={stats.error} />
      {s ? (
        <>
          <div class="tiles">
            <div class="tile" data-testid="total-resources">
              <b>{s.resources}</b>
              <span>resources</span>
            </div>
            <div class="tile">
              <b>{Object.keys(s.by_type).length}</b>
              <span>types</span>
            </div>
            <div class="tile">
              <b>{Object.keys(s.by_account).length}</b>
              <span>accounts</span>
            </div>
            <div class="tile">
              <b>{Object.keys(s.by_region).length}</b>
              <span>regions</span>
            </div>
            {(['critical', 'warning', 'info'] as const).map((sev) => (
              <a
                class={`tile finding sev-${sev}`}
                key={sev}
                href={`/decisions?severity=${sev}`}
                data-testid={`findings-${sev}`}
              >
                <b>{s.findings[sev]}</b>
                <span>open {sev} findings</span>
              </a>
            ))}
          </div>
          <section class="card">
            <h2>
              Changes per hour <small class="muted">(versions recorded, last 24 h)</small>
            </h2>
            <ChangesChart hours={s.changes_per_hour} />
            <p class="muted small">
              Findings: decided since {ago(s.since)}, the latest per resource and policy, on resources that still exist.
            </p>
          </section>
          <div class="grid3">
            <Counts title="By type" counts={s.by_type} link="type" />
            <Counts title="By account" counts={s.by_account} link="account" />
            <Counts title="By region" counts={s.by_region} link="region" />
          </div>
        </>
      ) : null}
      <div class="grid2">
        <section class="card">
          <h2>Services</h2>
          <Problem error={services.error} />
          {services.data ? (
            <>
              <p>
                {services.data.healthy ? (
                  <span class="ok">● all services ready</span>
                ) : (
                  <span class="bad">● down: {services.data.down.join(', ')}</span>
                )}
              </p>
              <table class="list">
                <tbody>
                  {services.data.services.map((x) => (
                    <tr key={x.instance}>
                      <td>
                        <span class={x.ready ? 'ok' : 'bad'}>●</span> {x.service}
                      </td>
                      <td class="muted">{x.instance}</td>
                      <td class="muted">seen {ago(x.seen_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : null}
        </section>
        <section class="card">
          <h2>Store</h2>
          <Problem error={status.error} />
          {status.data ? (
            <dl class="facts">
              <dt>identity</dt>
              <dd>{status.data.store}</dd>
              <dt>revision</dt>
              <dd>
                {status.data.revision} <span class="muted">({ago(status.data.time)})</span>
              </dd>
              <dt>versions</dt>
              <dd>
                {status.data.stats.versions}
                {status.data.stats.compacted_at > 0 ? (
                  <span class="muted"> (history from revision {status.data.stats.compacted_at}, compacted)</span>
                ) : null}
              </dd>
              <dt>audit entries</dt>
              <dd>{status.data.stats.audit_entries}</dd>
              <dt>on disk</dt>
              <dd>
                {bytes(status.data.stats.bytes)} in {status.data.stats.segments} segments
              </dd>
              <dt>scopes</dt>
              <dd>
                {status.data.scopes.length} ({status.data.scopes.filter((x) => !x.last_complete).length} never scanned
                completely)
              </dd>
            </dl>
          ) : null}
        </section>
      </div>
    </div>
  );
}
