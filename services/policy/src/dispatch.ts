import type { Rule } from './compiled.js';

/**
 * Which rules an input can meet, as `npm run build` worked it out from the Rego (policies/dispatch.mjs):
 * entrypoints of the combined module, each evaluating a subset of the rules, and for every resource
 * type named by a rule (and '*' for any other) the entrypoint for a resource as it stands and for a
 * change. Findings are those of the whole library: the rules left out cannot match such an input.
 */
export interface Dispatch {
  entrypoints: DispatchEntry[];
  routes: { resource: Record<string, number>; change: Record<string, number> };
}

export interface DispatchEntry {
  /** Entrypoint in the combined module (`elava_all/e<i>`). */
  name: string;
  packages: Record<string, Rule[]>;
  /** Whether any of its rules reads `input.now` (its answer can change with time alone). */
  time: boolean;
}

/** The whole library's entrypoint: inputs no route fits (no resource type, a whole-scope count). */
export const EVERYTHING = -1;

/** The manifest's `dispatch`, checked; undefined when absent or malformed (everything then runs). */
export function parseDispatch(raw: unknown, packages: readonly string[]): Dispatch | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const { entrypoints, routes } = raw as { entrypoints?: unknown; routes?: unknown };
  if (!Array.isArray(entrypoints) || !routes || typeof routes !== 'object') return undefined;
  const known = new Set(packages);
  const entries: DispatchEntry[] = [];
  for (const e of entrypoints as { name?: unknown; packages?: unknown; time?: unknown }[]) {
    if (typeof e?.name !== 'string' || !/^elava_all\/e\d+$/.test(e.name) || typeof e.time !== 'boolean')
      return undefined;
    if (!e.packages || typeof e.packages !== 'object') return undefined;
    const spec = e.packages as Record<string, unknown>;
    // A route naming a package that did not load would drop its findings: no dispatch then.
    if (!Object.keys(spec).every((p) => known.has(p) && Array.isArray(spec[p]))) return undefined;
    entries.push({ name: e.name, packages: spec as Record<string, Rule[]>, time: e.time });
  }
  const table = (t: unknown): Record<string, number> | undefined => {
    if (!t || typeof t !== 'object') return undefined;
    const out: Record<string, number> = {};
    for (const [type, i] of Object.entries(t)) {
      if (!Number.isInteger(i) || i < 0 || i >= entries.length) return undefined;
      out[type] = i;
    }
    return typeof out['*'] === 'number' ? out : undefined;
  };
  const resource = table((routes as { resource?: unknown }).resource);
  const change = table((routes as { change?: unknown }).change);
  return resource && change ? { entrypoints: entries, routes: { resource, change } } : undefined;
}

/** The entrypoint for one input, or EVERYTHING. */
export function routeOf(dispatch: Dispatch | undefined, input: object | string): number {
  if (!dispatch || typeof input === 'string') return EVERYTHING;
  const { resource, change, inventory } = input as { resource?: unknown; change?: unknown; inventory?: unknown };
  if (inventory !== undefined) return EVERYTHING;
  const type = (resource as { type?: unknown } | null | undefined)?.type;
  if (typeof type !== 'string') return EVERYTHING;
  // Any change at all (even null: Rego reads it as defined) takes the routes with the change rules.
  const table = change === undefined ? dispatch.routes.resource : dispatch.routes.change;
  return Object.hasOwn(table, type) ? (table[type] as number) : (table['*'] as number);
}
