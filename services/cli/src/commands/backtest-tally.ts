import type { Evaluation, Finding, PolicyFailure } from '@elava/policy';
import type { Severity } from '@elava/types';

/** One recorded version replayed: which resource, when, and what each library said of it. */
export interface ReplayedVersion {
  id: string;
  revision: number;
  time: string;
  /** Every input the version made (one per tracked change, or the resource as it stands). */
  results: Evaluation[];
}

/** A rule's findings over the window: one finding is one message of the rule on one version. */
export interface RuleTally {
  package: string;
  rule: string;
  severity: Severity;
  findings: number;
  resources: Set<string>;
  first: string;
  last: string;
}

/** Per resource, what a rule found (or stopped finding) on it. */
export interface ResourceFindings {
  findings: number;
  first: string;
  last: string;
  /** The first message, as an example of what was said. */
  msg: string;
}

export interface DifferenceTally {
  package: string;
  rule: string;
  severity: Severity;
  findings: number;
  resources: Map<string, ResourceFindings>;
}

const key = (f: Finding) => `${f.package}\u0000${f.rule}\u0000${f.msg}`;

/**
 * What a backtest found: per package and rule in the library tried, and where it differs from the
 * library in service (`compared`: the packages evaluated by both; every other package is the same
 * module in both, so it says the same). Findings are counted once per version however many inputs
 * (changes) the version made.
 */
export class BacktestTally {
  versions = 0;
  evaluations = 0;
  readonly rules = new Map<string, RuleTally>();
  readonly added = new Map<string, DifferenceTally>();
  readonly gone = new Map<string, DifferenceTally>();
  readonly failures = new Map<string, { error: string; count: number }>();
  readonly baselineFailures = new Map<string, { error: string; count: number }>();

  constructor(private readonly compared: ReadonlySet<string>) {}

  add(v: ReplayedVersion): void {
    this.versions++;
    this.evaluations += v.results.length;
    const tried = new Map<string, Finding>();
    const inService = new Map<string, Finding>();
    for (const r of v.results) {
      for (const f of r.findings) tried.set(key(f), f);
      // The library in service is evaluated whole (one call); its other packages are the same modules.
      for (const f of r.baseline?.findings ?? []) if (this.compared.has(f.package)) inService.set(key(f), f);
      fail(this.failures, r.failures);
      fail(
        this.baselineFailures,
        (r.baseline?.failures ?? []).filter((f) => this.compared.has(f.package)),
      );
    }
    for (const f of tried.values()) {
      const k = `${f.package}\u0000${f.rule}`;
      let t = this.rules.get(k);
      if (!t) {
        t = {
          package: f.package,
          rule: f.rule,
          severity: f.severity,
          findings: 0,
          resources: new Set(),
          first: v.time,
          last: v.time,
        };
        this.rules.set(k, t);
      }
      t.findings++;
      t.resources.add(v.id);
      if (v.time < t.first) t.first = v.time;
      if (v.time > t.last) t.last = v.time;
    }
    if (this.compared.size === 0) return;
    for (const [k, f] of tried) if (this.compared.has(f.package) && !inService.has(k)) differ(this.added, f, v);
    for (const [k, f] of inService) if (!tried.has(k)) differ(this.gone, f, v);
  }
}

function fail(into: Map<string, { error: string; count: number }>, failures: PolicyFailure[]): void {
  for (const f of failures) {
    const held = into.get(f.package);
    if (held) held.count++;
    else into.set(f.package, { error: f.error, count: 1 });
  }
}

function differ(into: Map<string, DifferenceTally>, f: Finding, v: ReplayedVersion): void {
  const k = `${f.package}\u0000${f.rule}`;
  let t = into.get(k);
  if (!t) {
    t = { package: f.package, rule: f.rule, severity: f.severity, findings: 0, resources: new Map() };
    into.set(k, t);
  }
  t.findings++;
  const r = t.resources.get(v.id);
  if (!r) t.resources.set(v.id, { findings: 1, first: v.time, last: v.time, msg: f.msg });
  else {
    r.findings++;
    if (v.time < r.first) r.first = v.time;
    if (v.time > r.last) r.last = v.time;
  }
}
