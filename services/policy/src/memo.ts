import { type Dispatch, routeOf } from './dispatch.js';
import { bucketStart, contentOf, withNow } from './memo-key.js';
import { MemoryTier } from './memo-memory.js';
import type { MemoTier } from './memo-tier.js';
import type { Finding, PolicyInput } from './policy-set.js';
import type { Evaluation } from './pool.js';

/** What the memo needs of the pool in service (PolicyPool). */
export interface MemoPool {
  readonly hash: string;
  readonly dispatch: Dispatch | undefined;
  timeDependent(route: number): boolean;
  evaluate(inputs: (PolicyInput | string)[], routes?: readonly number[]): Promise<Evaluation[]>;
}

export interface MemoOptions {
  /** policies.memo.time_bucket: rules that read `now` are evaluated at the start of its bucket. */
  bucketMs: number;
  /** Outlives the process (Redis); without it the memo is this process's alone. */
  tier?: MemoTier;
  /** How many evaluations are held in memory in front of the tier. */
  memoryEntries?: number;
  /** A tier that fails is a miss (evaluated), never an error; told here. */
  onTierError?: (err: Error) => void;
}

/**
 * Evaluations that depend on nothing but their input need not be repeated: a sweep of an unchanged
 * scope is a lookup per resource. An evaluation is filed under its store, the library (memo-key.ts
 * libraryHash: compiled bytes and data), a generation of time and the input's content without
 * `now`. Inputs whose rules read `now` are evaluated with `now` at the start of its bucket, so a
 * remembered answer is exactly the one evaluating again would give; their generation is that
 * bucket. The others' `now` is never read; their generation is a day, only so that each space
 * expires.
 */
export class PolicyMemo {
  private readonly memory: MemoryTier;
  /** Counted for the bench and the metrics. */
  readonly counts = { hits: 0, misses: 0 };

  constructor(private readonly options: MemoOptions) {
    if (!(options.bucketMs > 0)) throw new Error(`policies.memo.time_bucket must be positive: ${options.bucketMs}`);
    this.memory = new MemoryTier(options.memoryEntries ?? 200_000);
  }

  /**
   * Evaluates through the memo; results in input order, as PolicyPool.evaluate. `contentHashes`:
   * the store's hash of each input's resource (a sweep's items carry it), so that an input that is
   * a resource alone needs no serializing and hashing here to be found.
   */
  async evaluate(
    pool: MemoPool,
    store: string,
    inputs: PolicyInput[],
    contentHashes?: readonly (string | undefined)[],
  ): Promise<Evaluation[]> {
    // Keys derived from store state name the store; anything else goes round the memo.
    if (!STORE.test(store)) return pool.evaluate(inputs);
    const out: (Evaluation | undefined)[] = new Array(inputs.length);
    const plans = new Map<number, Plan>();
    const when = new Generations(this.options.bucketMs);
    const library = pool.hash;
    for (const [i, input] of inputs.entries()) {
      // A whole scope's count is one large input evaluated once per scope: not worth a key.
      if (input.inventory !== undefined) continue;
      const route = routeOf(pool.dispatch, input);
      const g = when.of(input.now, pool.timeDependent(route));
      // A `now` that is not a time has no bucket: evaluated as it is (a policy reading it says so).
      if (!g) continue;
      const space = g.space(store, library);
      const stored = contentHashes?.[i];
      // The hit path puts no key together: a sweep of an unchanged scope is all hits. In memory a
      // field is the hash alone, in a map per kind of hash; in Redis it carries the kind.
      if (stored !== undefined && HASH.test(stored) && resourceAlone(input)) {
        const held = this.memory.get(space.stored, stored);
        if (held) out[i] = { findings: held, failures: [] };
        else
          plans.set(i, {
            route,
            field: `r${stored}`,
            space: space.name,
            held: [space.stored, stored],
            now: g.now,
            ttl: g.ttl,
          });
      } else {
        const { text, key } = contentOf(input);
        const held = this.memory.get(space.hashed, key);
        if (held) out[i] = { findings: held, failures: [] };
        else
          plans.set(i, {
            route,
            text,
            field: `j${key}`,
            space: space.name,
            held: [space.hashed, key],
            now: g.now,
            ttl: g.ttl,
          });
      }
    }
    await this.fromTier(plans, out);
    const misses: number[] = [];
    for (let i = 0; i < inputs.length; i++) if (!out[i]) misses.push(i);
    this.counts.hits += inputs.length - misses.length;
    this.counts.misses += misses.length;
    if (misses.length === 0) return out as Evaluation[];
    const evaluated = await pool.evaluate(
      misses.map((i) => {
        const input = inputs[i] as PolicyInput;
        const plan = plans.get(i);
        if (!plan) return input;
        return plan.text !== undefined ? withNow(plan.text, plan.now) : { ...input, now: plan.now };
      }),
      misses.map((i) => plans.get(i)?.route ?? routeOf(pool.dispatch, inputs[i] as PolicyInput)),
    );
    const keep: { plan: Plan; findings: Finding[] }[] = [];
    for (const [j, i] of misses.entries()) {
      const result = evaluated[j] ?? { findings: [], failures: [] };
      out[i] = result;
      const plan = plans.get(i);
      // Only a clean answer is remembered: a package that threw is asked again next time.
      if (plan && result.failures.length === 0) keep.push({ plan, findings: result.findings });
    }
    await this.remember(keep);
    return out as Evaluation[];
  }

  private async fromTier(plans: Map<number, Plan>, out: (Evaluation | undefined)[]): Promise<void> {
    const tier = this.options.tier;
    if (!tier || plans.size === 0) return;
    for (const [space, items] of bySpace(plans)) {
      let values: (string | null)[];
      try {
        values = await tier.get(
          space,
          items.map(([, p]) => p.field),
        );
      } catch (err) {
        this.options.onTierError?.(err as Error);
        return;
      }
      for (const [k, [i, plan]] of items.entries()) {
        const findings = parseFindings(values[k]);
        if (!findings) continue;
        out[i] = { findings, failures: [] };
        this.memory.set(...plan.held, findings);
      }
    }
  }

  private async remember(keep: { plan: Plan; findings: Finding[] }[]): Promise<void> {
    for (const { plan, findings } of keep) this.memory.set(...plan.held, findings);
    const tier = this.options.tier;
    if (!tier || keep.length === 0) return;
    const spaces = new Map<string, { ttl: number; entries: [string, string][] }>();
    for (const { plan, findings } of keep) {
      const s = spaces.get(plan.space) ?? { ttl: plan.ttl, entries: [] };
      s.entries.push([plan.field, JSON.stringify(findings)]);
      spaces.set(plan.space, s);
    }
    try {
      for (const [space, s] of spaces) await tier.set(space, s.entries, s.ttl);
    } catch (err) {
      this.options.onTierError?.(err as Error);
    }
  }
}

interface Plan {
  route: number;
  /** The input's JSON without `now` (absent when the store's content hash named it). */
  text?: string;
  field: string;
  space: string;
  /** Where it is held in memory (MemoryTier space and field). */
  held: [string, string];
  /** The `now` it is evaluated with. */
  now: string;
  ttl: number;
}

/** A store's id as the recorder names it (12 hex digits; a little leeway for older ones). */
const STORE = /^[A-Za-z0-9_-]{1,64}$/;

/** A store's content hash (sha1 in base64, as the recorder gives it), or any other plain digest. */
const HASH = /^[A-Za-z0-9+/=_-]{16,128}$/;

/** An input that is a resource as it stands: its resource's content hash names all of it but `now`. */
function resourceAlone(input: PolicyInput): boolean {
  for (const name in input) if (name !== 'resource' && name !== 'now') return false;
  return input.resource !== undefined;
}

/** Static evaluations' generation: a day, so each space is dropped after two. */
const STATIC_MS = 24 * 60 * 60 * 1000;

/** An input's generation: the `now` it is evaluated with, and how long its space is kept. */
interface Generation {
  now: string;
  ttl: number;
  /** `<store>:<library>:<generation>`, and the memory's spaces under it (made once per batch). */
  space(store: string, library: string): { name: string; stored: string; hashed: string };
}

/** The generation of an input's `now` (cached, one for each kind: a batch's inputs share one `now`). */
class Generations {
  private readonly last: ({ now: string; g: Generation } | undefined)[] = [undefined, undefined];

  constructor(private readonly bucketMs: number) {}

  of(now: string, time: boolean): Generation | undefined {
    const held = this.last[time ? 1 : 0];
    if (held?.now === now) return held.g;
    const length = time ? this.bucketMs : STATIC_MS;
    const start = bucketStart(now, length);
    if (start === undefined) return undefined;
    const generation = `${time ? 't' : 's'}${start / length}`;
    let made: { store: string; library: string; space: ReturnType<Generation['space']> } | undefined;
    const g: Generation = {
      now: time ? new Date(start).toISOString() : now,
      ttl: 2 * length,
      space(store, library) {
        if (made?.store !== store || made.library !== library) {
          const name = `${store}:${library}:${generation}`;
          made = { store, library, space: { name, stored: `${name}#r`, hashed: `${name}#j` } };
        }
        return made.space;
      },
    };
    this.last[time ? 1 : 0] = { now, g };
    return g;
  }
}

function bySpace(plans: Map<number, Plan>): Map<string, [number, Plan][]> {
  const out = new Map<string, [number, Plan][]>();
  for (const [i, p] of plans) {
    const list = out.get(p.space) ?? [];
    list.push([i, p]);
    out.set(p.space, list);
  }
  return out;
}

/** A held value, checked: anything else is a miss. */
function parseFindings(value: string | null | undefined): Finding[] | null {
  if (!value) return null;
  try {
    const v = JSON.parse(value);
    return Array.isArray(v) && v.every((f) => typeof f?.package === 'string' && typeof f?.msg === 'string') ? v : null;
  } catch {
    return null;
  }
}
