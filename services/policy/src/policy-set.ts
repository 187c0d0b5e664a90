import { customBuiltins } from '@elava/policies/builtins';
import type { Severity } from '@elava/types';
import { type LoadedPolicy, loadPolicy } from '@open-policy-agent/opa-wasm';
import type { CompiledPackage, Rule } from './compiled.js';

const SEVERITY: Record<Rule, Severity> = { deny: 'critical', warn: 'warning', info: 'info' };

/** What one rule said about one input. */
export interface Finding {
  package: string;
  rule: Rule;
  severity: Severity;
  msg: string;
  suggestion: string;
}

/** A package that would not load or threw while evaluating: named, with the error. */
export interface PolicyFailure {
  package: string;
  error: string;
}

export interface PolicyInput {
  resource: unknown;
  previous?: unknown;
  change?: unknown;
  history?: unknown[];
  /** RFC 3339; policies never read the clock themselves. */
  now: string;
}

/**
 * The library loaded into one thread: a WebAssembly instance per package. A package that fails
 * to load or throws is reported by name and skipped; the others keep evaluating.
 */
export class PolicySet {
  private constructor(
    private readonly loaded: { pkg: CompiledPackage; policy: LoadedPolicy }[],
    readonly failures: PolicyFailure[],
  ) {}

  static async load(packages: CompiledPackage[], data: unknown = {}): Promise<PolicySet> {
    const loaded: { pkg: CompiledPackage; policy: LoadedPolicy }[] = [];
    const failures: PolicyFailure[] = [];
    for (const pkg of packages) {
      try {
        const policy = await loadPolicy(pkg.wasm, undefined, customBuiltins);
        policy.setData(data as object);
        loaded.push({ pkg, policy });
      } catch (err) {
        failures.push({ package: `elava.${pkg.name}`, error: (err as Error).message });
      }
    }
    return new PolicySet(loaded, failures);
  }

  get packages(): string[] {
    return this.loaded.map((l) => `elava.${l.pkg.name}`);
  }

  evaluate(input: PolicyInput): { findings: Finding[]; failures: PolicyFailure[] } {
    const findings: Finding[] = [];
    const failures: PolicyFailure[] = [];
    for (const { pkg, policy } of this.loaded) {
      try {
        for (const rule of pkg.rules) {
          const result = policy.evaluate(input, `elava/${pkg.name}/${rule}`)[0]?.result;
          if (!Array.isArray(result)) continue;
          for (const f of result) {
            findings.push({
              package: `elava.${pkg.name}`,
              rule,
              severity: SEVERITY[rule],
              msg: typeof f?.msg === 'string' ? f.msg : JSON.stringify(f),
              suggestion: typeof f?.suggestion === 'string' ? f.suggestion : '',
            });
          }
        }
      } catch (err) {
        failures.push({ package: `elava.${pkg.name}`, error: (err as Error).message });
      }
    }
    return { findings, failures };
  }
}
