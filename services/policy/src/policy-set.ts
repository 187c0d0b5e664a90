import { customBuiltins } from '@elava/policies/builtins';
import type { Severity } from '@elava/types';
import { type LoadedPolicy, loadPolicy } from '@open-policy-agent/opa-wasm';
import type { CompiledLibrary, CompiledPackage, Rule } from './compiled.js';
import { type Dispatch, EVERYTHING } from './dispatch.js';
import { RawEvaluator } from './raw-eval.js';

const SEVERITY: Record<Rule, Severity> = { deny: 'critical', warn: 'warning', info: 'info' };

/** What one rule said about one input. */
export interface Finding {
  package: string;
  rule: Rule;
  severity: Severity;
  msg: string;
  suggestion: string;
  /** A whole-scope inventory finding: which expectation, and what was counted. */
  expectation?: InventoryCount;
}

export interface InventoryCount {
  name: string;
  kind: 'missing' | 'unwanted';
  expected: number;
  found: number;
  resources?: string[];
}

/** What the library said about one input, and which packages could not say. */
export interface SetAnswer {
  findings: Finding[];
  failures: PolicyFailure[];
}

/** A package that would not load or threw while evaluating: named, with the error. */
export interface PolicyFailure {
  package: string;
  error: string;
}

export interface PolicyInput {
  resource?: unknown;
  previous?: unknown;
  change?: unknown;
  history?: unknown[];
  /** A whole scope at once (inventory counts): every live resource's id and tags. */
  inventory?: { account: string; region: string; type: string; resources: { id: string; tags: unknown }[] };
  /** RFC 3339; policies never read the clock themselves. */
  now: string;
}

/**
 * The library loaded into one thread: a WebAssembly instance per package. A package that fails
 * to load or throws is reported by name and skipped; the others keep evaluating.
 */
export class PolicySet {
  private readonly raw: RawEvaluator | null;
  /** The packages that loaded, in the library's order. */
  private readonly library: CompiledPackage[];

  private constructor(
    private readonly loaded: { pkg: CompiledPackage; policy: LoadedPolicy }[],
    readonly failures: PolicyFailure[],
    private readonly combined: LoadedPolicy | null,
    private readonly dispatch: Dispatch | undefined,
  ) {
    this.library = loaded.map((l) => l.pkg);
    this.raw = combined
      ? RawEvaluator.of(combined, ['elava_all/result', ...(dispatch?.entrypoints.map((e) => e.name) ?? [])])
      : null;
  }

  static async load(library: CompiledLibrary, data: unknown = {}): Promise<PolicySet> {
    const loaded: { pkg: CompiledPackage; policy: LoadedPolicy }[] = [];
    const failures: PolicyFailure[] = [];
    let combined: LoadedPolicy | null = null;
    if (library.combined && library.packages.length > 0) {
      try {
        combined = await loadPolicy(library.combined, undefined, customBuiltins);
        combined.setData(data as object);
      } catch {
        combined = null; // the packages one by one still work
      }
    }
    for (const pkg of library.packages) {
      try {
        const policy = await loadPolicy(pkg.wasm, undefined, customBuiltins);
        policy.setData(data as object);
        loaded.push({ pkg, policy });
      } catch (err) {
        failures.push({ package: `elava.${pkg.name}`, error: (err as Error).message });
      }
    }
    // The combined module holds every package; if one of them failed to load, it is not trusted.
    return new PolicySet(loaded, failures, failures.length === 0 ? combined : null, library.dispatch);
  }

  get packages(): string[] {
    return this.loaded.map((l) => `elava.${l.pkg.name}`);
  }

  /**
   * All packages in one call when the combined module is there; one by one when it throws. `route`
   * (dispatch.ts routeOf) picks the entrypoint with only the rules that can match the input: the
   * findings are the same, and in the same order, as from the whole library.
   */
  evaluate(input: PolicyInput | ArrayBuffer, route: number = EVERYTHING): SetAnswer {
    if (this.combined) {
      const entry = this.dispatch?.entrypoints[route]?.name ?? 'elava_all/result';
      try {
        const result = this.combined.evaluate(input, entry)[0]?.result as CombinedResult | undefined;
        if (result) return { findings: combinedFindings(this.library, result), failures: [] };
      } catch {
        // fall through: the packages one by one name the one that throws
      }
    }
    return this.evaluateEach(input);
  }

  /**
   * The combined module's result set as the JSON bytes it wrote (`combinedFindings` reads it), a
   * view valid until the next evaluation; null when there is no such answer (no combined module,
   * an older ABI, a throw, an undefined result): `evaluate` then says what there is to say.
   */
  evaluateRaw(input: Uint8Array, route: number = EVERYTHING): Uint8Array | null {
    if (!this.raw) return null;
    try {
      const out = this.raw.evaluate(input, this.dispatch?.entrypoints[route]?.name ?? 'elava_all/result');
      // `[]`: the entrypoint was undefined.
      return out.byteLength > 2 ? out : null;
    } catch {
      return null;
    }
  }

  /** `input` may be its JSON as bytes (the pool sends it so), passed to WebAssembly as they are. */
  private evaluateEach(input: PolicyInput | ArrayBuffer): SetAnswer {
    const findings: Finding[] = [];
    const failures: PolicyFailure[] = [];
    for (const { pkg, policy } of this.loaded) {
      try {
        for (const rule of pkg.rules) {
          collect(findings, pkg.name, rule, policy.evaluate(input, `elava/${pkg.name}/${rule}`)[0]?.result);
        }
      } catch (err) {
        failures.push({ package: `elava.${pkg.name}`, error: (err as Error).message });
      }
    }
    return { findings, failures };
  }
}

/**
 * The findings in the combined module's `result`: [package, rule, finding] triples in package and
 * rule order (policies/build.mjs), or, from a library built before them, {package: {rule: findings}}.
 */
export function combinedFindings(packages: readonly CompiledPackage[], result: CombinedResult): Finding[] {
  const findings: Finding[] = [];
  if (Array.isArray(result)) {
    for (const t of result) {
      if (!Array.isArray(t) || typeof t[0] !== 'string' || !RULES.has(t[1]))
        throw new Error(
          `the combined module answered ${JSON.stringify(t)?.slice(0, 200)}, not [package, rule, finding]`,
        );
      findings.push(finding(t[0], t[1] as Rule, t[2]));
    }
    return findings;
  }
  for (const pkg of packages) for (const rule of pkg.rules) collect(findings, pkg.name, rule, result[pkg.name]?.[rule]);
  return findings;
}

export type CombinedResult = unknown[] | Record<string, Partial<Record<Rule, unknown>>>;
const RULES: ReadonlySet<unknown> = new Set(['deny', 'warn', 'info']);

function collect(into: Finding[], name: string, rule: Rule, result: unknown): void {
  if (!Array.isArray(result)) return;
  for (const f of result) into.push(finding(name, rule, f));
}

// biome-ignore lint/suspicious/noExplicitAny: a finding is whatever the Rego rule made it
function finding(name: string, rule: Rule, f: any): Finding {
  return {
    package: `elava.${name}`,
    rule,
    severity: SEVERITY[rule],
    msg: typeof f?.msg === 'string' ? f.msg : JSON.stringify(f),
    suggestion: typeof f?.suggestion === 'string' ? f.suggestion : '',
    ...(f?.expectation && typeof f.expectation === 'object' ? { expectation: f.expectation } : {}),
  };
}
