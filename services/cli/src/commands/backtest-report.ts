import { paint, severity, table } from '../format.js';
import type { Io } from '../io.js';
import type { PackageStatus } from './backtest-library.js';
import type { BacktestTally, DifferenceTally } from './backtest-tally.js';

export interface BacktestRun {
  /** The library tried (its sources) and the one in service (its compiled modules). */
  library: string;
  service: string;
  packages: Map<string, PackageStatus>;
  noService?: string;
  window: { since: string | null; until: string | null; from_revision: number; to_revision: number };
  type?: string;
  seconds: number;
  /** CPU time of the whole process (every thread) while replaying: the cost, whatever else the machine runs. */
  cpuSeconds: number;
  threads: number;
}

/** Resources named per rule in the text report (all of them in --json). */
const NAMED = 20;

const RANK: Record<string, number> = { critical: 0, warning: 1, info: 2 };
const byRule = <T extends { package: string; rule: string; severity: string }>(a: T, b: T) =>
  a.package.localeCompare(b.package) || (RANK[a.severity] ?? 3) - (RANK[b.severity] ?? 3);

function difference(d: DifferenceTally) {
  return {
    package: d.package,
    rule: d.rule,
    severity: d.severity,
    findings: d.findings,
    resources: [...d.resources]
      .map(([id, r]) => ({ id, findings: r.findings, first: r.first, last: r.last, msg: r.msg }))
      .sort((a, b) => a.first.localeCompare(b.first) || a.id.localeCompare(b.id)),
  };
}

export function reportJson(run: BacktestRun, t: BacktestTally) {
  return {
    library: run.library,
    service: run.service,
    ...(run.noService ? { no_service: run.noService } : {}),
    window: run.window,
    ...(run.type ? { type: run.type } : {}),
    packages: Object.fromEntries([...run.packages].sort()),
    versions: t.versions,
    evaluations: t.evaluations,
    seconds: Math.round(run.seconds * 1000) / 1000,
    cpu_seconds: Math.round(run.cpuSeconds * 1000) / 1000,
    versions_per_second: Math.round(t.versions / Math.max(run.seconds, 1e-9)),
    threads: run.threads,
    rules: [...t.rules.values()].sort(byRule).map((r) => ({
      package: r.package,
      rule: r.rule,
      severity: r.severity,
      findings: r.findings,
      resources: r.resources.size,
      first: r.first,
      last: r.last,
    })),
    difference: {
      new: [...t.added.values()].sort(byRule).map(difference),
      disappearing: [...t.gone.values()].sort(byRule).map(difference),
    },
    failures: [...t.failures].map(([pkg, f]) => ({ package: pkg, error: f.error, inputs: f.count })),
    service_failures: [...t.baselineFailures].map(([pkg, f]) => ({ package: pkg, error: f.error, inputs: f.count })),
  };
}

export function reportText(io: Io, run: BacktestRun, t: BacktestTally): string[] {
  const w = run.window;
  const rate = Math.round(t.versions / Math.max(run.seconds, 1e-9));
  const out = [
    `backtest of ${run.library} over ${w.since ?? 'the beginning'} … ${w.until ?? 'now'} (revisions ${w.from_revision + 1}–${w.to_revision}${run.type ? `, ${run.type}` : ''})`,
    paint(
      io,
      'dim',
      `${t.versions.toLocaleString('en-US')} versions, ${t.evaluations.toLocaleString('en-US')} inputs in ${run.seconds.toFixed(1)} s (${rate.toLocaleString('en-US')} versions/s, ${run.threads} threads)`,
    ),
  ];
  const changed = [...run.packages].filter(([, s]) => s !== 'same').sort();
  out.push(
    run.noService
      ? `library in service: none (${run.noService}): every finding is new`
      : changed.length === 0
        ? `library in service (${run.service}): the same packages, the same findings`
        : `library in service (${run.service}): ${changed.map(([p, s]) => `${p} ${s}`).join(', ')}`,
  );
  out.push('');
  const rules = [...t.rules.values()].sort(byRule);
  if (rules.length === 0) out.push(paint(io, 'green', 'no findings in the window'));
  else
    out.push(
      table(
        io,
        ['PACKAGE', 'RULE', 'SEVERITY', 'FINDINGS', 'RESOURCES', 'FIRST', 'LAST'],
        rules.map((r) => [
          r.package,
          r.rule,
          severity(io, r.severity),
          String(r.findings),
          String(r.resources.size),
          r.first,
          r.last,
        ]),
      ),
    );
  const section = (title: string, sign: string, colour: 'green' | 'red', list: DifferenceTally[]) => {
    if (list.length === 0) return;
    out.push('', paint(io, 'bold', title));
    for (const d of list.sort(byRule)) {
      out.push(
        paint(
          io,
          colour,
          `${sign} ${d.package} ${d.rule} (${d.severity}): ${d.findings} finding${d.findings === 1 ? '' : 's'} on ${d.resources.size} resource${d.resources.size === 1 ? '' : 's'}`,
        ),
      );
      const named = difference(d).resources;
      for (const r of named.slice(0, NAMED))
        out.push(`    ${r.id}  ${r.first}${r.last !== r.first ? ` … ${r.last}` : ''}  ${paint(io, 'dim', r.msg)}`);
      if (named.length > NAMED)
        out.push(paint(io, 'dim', `    … and ${named.length - NAMED} more (--json lists them all)`));
    }
  };
  section('new findings (the library tried finds them, the one in service does not):', '+', 'green', [
    ...t.added.values(),
  ]);
  section('findings that would disappear (the library in service finds them, the one tried does not):', '-', 'red', [
    ...t.gone.values(),
  ]);
  for (const [pkg, f] of t.failures)
    out.push(paint(io, 'red', `${pkg} failed on ${f.count} input${f.count === 1 ? '' : 's'}: ${f.error}`));
  for (const [pkg, f] of t.baselineFailures)
    out.push(paint(io, 'red', `${pkg} (in service) failed on ${f.count} input${f.count === 1 ? '' : 's'}: ${f.error}`));
  return out;
}
