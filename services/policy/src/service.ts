import type { Logger } from '@elava/log';
import {
  type AnyResource,
  type AuditEntryDraft,
  type Decision,
  type PolicyRequest,
  type PublishedChange,
  type ScopeRequest,
  scopeSubjectId,
} from '@elava/types';
import { type DecisionSettings, type Proposal, propose } from './decide.js';
import { changeInput, firstHistory, resourceInput } from './inputs.js';
import type { Finding, PolicyInput } from './policy-set.js';
import type { Evaluation } from './pool.js';
import { ReplacedStoreError } from './remember.js';
import type { ScopeItem } from './scope.js';
import { SHADOW_SAMPLE, shadowProposal, shadowSummary, splitByShadow } from './shadow.js';

export interface PolicyOutputs {
  /**
   * Evaluates inputs in order (the thread pool, through the memo of `store` when there is one).
   * `contentHashes`: the store's hash of each input's resource, where the input is that resource alone.
   */
  evaluate(inputs: PolicyInput[], store: string, contentHashes?: (string | undefined)[]): Promise<Evaluation[]>;
  /**
   * Makes sure the decision memory of a store is in place (rebuilt from the trail when Redis lost
   * it) before anything is decided for that store.
   */
  recall(store: string): Promise<void>;
  /** The id to publish under for each, or null when already decided (DecisionMemory.admitAll). */
  admit: (ps: ReturnType<typeof propose>) => Promise<(string | null)[]>;
  /** After publishing: these need not be published again. */
  confirm(ps: ReturnType<typeof propose>): Promise<void>;
  publish(decisions: Decision[]): Promise<void>;
  /** Shadow packages' decisions (policies.shadow): `elava.shadow.decisions.*` only. */
  publishShadow?(decisions: Decision[]): Promise<void>;
  /** Idempotent by key. */
  audit(drafts: { draft: AuditEntryDraft; key: string }[]): Promise<void>;
  /** A tag drift's diff without the tag writes Elava's executor made itself. */
  explainOwn(store: string, resourceId: string, diff: PublishedChange['diff']): Promise<PublishedChange['diff']>;
  /** The live resources of a scope at a revision, a page at a time (asked of the recorder). */
  resources(scope: ScopeRequest['scope'], revision: number): AsyncIterable<ScopeItem[]>;
  /**
   * A resource's changes from `since` up to revision `upTo` (scope.ts resourceHistory): a
   * policy input's `history`. Without it (or with no lookback window) inputs carry none.
   */
  history?(resourceId: string, window: { since: Date; upTo: number }): Promise<unknown[]>;
}

interface Subject {
  store: string;
  resource: AnyResource;
  change?: PublishedChange;
  revision: number;
  input: PolicyInput;
  /** The store's hash of the resource, when the input is the resource as it stands. */
  contentHash?: string;
}

interface Tally {
  resources: number;
  findings: number;
  decisions: number;
  failures: Map<string, string>;
}

/** One request's two sides: the packages in service, and those in the shadow. */
interface Tallies {
  live: Tally;
  shadow: Tally & { decided: Decision[] };
  /** policies.shadow as it stood when the request began (a reload never splits a request). */
  packages: ReadonlySet<string>;
}

const emptyTally = (): Tally => ({ resources: 0, findings: 0, decisions: 0, failures: new Map() });

/**
 * One policy request → evaluation → decisions, each published once → the trail: one
 * `policy_evaluated` per request and one `decided` per decision. A request is either a revision's
 * changes (each changed resource with its previous version and the change) or a whole scope after
 * a clean scan (every live resource, so persisting findings come back after the re-notify interval).
 */
export interface PolicyServiceOptions {
  /** Types with counted expectations (policies.expected): their scopes are also evaluated whole. */
  countedTypes?: ReadonlySet<string>;
  /** change_detection.lookback_window: how far back a changed resource's `history` reaches (0: none). */
  lookbackMs?: number;
  /** policies.shadow (`elava.<name>`), asked per request so a reloaded list applies to the next one. */
  shadow?: () => ReadonlySet<string>;
  clock?: () => Date;
}

/** History queries in flight at once for one request. */
const HISTORY_CONCURRENCY = 8;

export class PolicyService {
  private readonly clock: () => Date;
  private readonly counted: ReadonlySet<string>;
  private readonly lookbackMs: number;
  private readonly shadow: () => ReadonlySet<string>;

  constructor(
    private readonly settings: DecisionSettings,
    private readonly out: PolicyOutputs,
    private readonly log: Logger,
    options: PolicyServiceOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.counted = options.countedTypes ?? new Set();
    this.lookbackMs = options.lookbackMs ?? 0;
    const none: ReadonlySet<string> = new Set();
    this.shadow = options.shadow ?? (() => none);
  }

  async handle(req: PolicyRequest): Promise<number> {
    const now = this.clock().toISOString();
    const t: Tallies = { live: emptyTally(), shadow: { ...emptyTally(), decided: [] }, packages: this.shadow() };
    try {
      await this.out.recall(req.store);
    } catch (err) {
      if (!(err instanceof ReplacedStoreError)) throw err;
      this.log.warn({ request: req.key, store: req.store, current: err.current }, err.message);
      return 0;
    }
    if (req.kind === 'scope') {
      const counted = this.counted.has(req.scope.type);
      const inventory: { id: string; tags: unknown }[] = [];
      for await (const page of this.out.resources(req.scope, req.revision)) {
        const subjects = page.map(({ resource, content_hash }) => ({
          store: req.store,
          resource,
          revision: req.revision,
          input: resourceInput(resource, now),
          ...(content_hash ? { contentHash: content_hash } : {}),
        }));
        await this.judge(subjects, now, t);
        if (counted) for (const { resource: r } of page) inventory.push({ id: r.id, tags: r.tags ?? {} });
      }
      if (counted) await this.count(req, inventory, now, t);
    } else {
      const changes = await Promise.all(
        req.changes.map(async (c) =>
          c.type === 'tag_drift' ? { ...c, diff: await this.out.explainOwn(req.store, c.resource_id, c.diff) } : c,
        ),
      );
      const histories = await this.histories(changes);
      const subjects: Subject[] = changes.map((change) => ({
        store: req.store,
        resource: (change.current ?? change.previous) as AnyResource,
        change,
        revision: change.revision,
        input: changeInput(change, histories.get(change.resource_id), now),
      }));
      await this.judge(subjects, now, t);
    }
    for (const [pkg, error] of [...t.live.failures, ...t.shadow.failures])
      this.log.error({ package: pkg, err: error }, 'policy failed to evaluate');
    const data = (x: Tally) => ({
      request: req.key,
      kind: req.kind ?? 'changes',
      ...(req.kind === 'scope' ? { scope: req.scope } : {}),
      resources: x.resources,
      findings: x.findings,
      decisions: x.decisions,
      failures: [...x.failures].map(([pkg, error]) => ({ package: pkg, error })),
    });
    const entries: { key: string; draft: AuditEntryDraft }[] = [
      {
        key: `policy-${req.key}`,
        draft: { type: 'policy_evaluated', resource_id: '', revision: req.revision, data: data(t.live) },
      },
    ];
    // The shadow's own entry: what its packages found and would have decided, never acted on.
    if (t.packages.size > 0) {
      const s = t.shadow;
      entries.push({
        key: `policy-shadow-${req.key}`,
        draft: {
          type: 'policy_evaluated',
          resource_id: '',
          revision: req.revision,
          data: {
            ...data(s),
            shadow: true,
            packages: [...t.packages].sort(),
            decided: s.decided.slice(0, SHADOW_SAMPLE).map(shadowSummary),
            ...(s.decided.length > SHADOW_SAMPLE ? { more: s.decided.length - SHADOW_SAMPLE } : {}),
          },
        },
      });
    }
    await this.out.audit(entries);
    return t.live.decisions;
  }

  /**
   * Each changed resource's changes within the lookback window before its newest change in the
   * request (one query per resource, a few at a time). A resource first recorded by this change has
   * no earlier version to ask about: its history is the change itself, without a query (a first
   * scan's thousands of appearances ask nothing).
   */
  private async histories(changes: PublishedChange[]): Promise<Map<string, unknown[]>> {
    const out = new Map<string, unknown[]>();
    const history = this.out.history?.bind(this.out);
    if (!history || this.lookbackMs <= 0) return out;
    const newest = new Map<string, PublishedChange>();
    for (const c of changes) {
      const prior = newest.get(c.resource_id);
      if (!prior || c.revision > prior.revision) newest.set(c.resource_id, c);
    }
    const asks: PublishedChange[] = [];
    for (const [id, c] of newest) {
      const first = firstHistory(c);
      if (first) out.set(id, first);
      else asks.push(c);
    }
    for (let i = 0; i < asks.length; i += HISTORY_CONCURRENCY) {
      await Promise.all(
        asks.slice(i, i + HISTORY_CONCURRENCY).map(async (c) => {
          const since = new Date(Date.parse(c.time) - this.lookbackMs);
          out.set(c.resource_id, await history(c.resource_id, { since, upTo: c.revision }));
        }),
      );
    }
    return out;
  }

  /**
   * The scope as one input, for the inventory's counts (missing, unwanted). Such a finding is about
   * an expectation rather than a resource: the decision names `<scope>:expected/<name>`.
   */
  private async count(req: ScopeRequest, resources: { id: string; tags: unknown }[], now: string, t: Tallies) {
    const { account, region, type } = req.scope;
    const [result] = await this.out.evaluate([{ inventory: { account, region, type, resources }, now }], req.store);
    const failures = splitByShadow(result?.failures ?? [], t.packages);
    for (const f of failures.live) t.live.failures.set(f.package, f.error);
    for (const f of failures.held) t.shadow.failures.set(f.package, f.error);
    const found = splitByShadow(
      (result?.findings ?? []).filter((f) => f.expectation),
      t.packages,
    );
    const subjects = (findings: Finding[]) =>
      findings.map((f) => ({
        resource: {
          id: scopeSubjectId({ account, region, type }, `expected/${f.expectation?.name}`),
          type,
          account,
          region,
          tags: {},
        } as unknown as AnyResource,
        store: req.store,
        revision: req.revision,
        findings: [f],
      }));
    t.live.findings += found.live.length;
    t.shadow.findings += found.held.length;
    await this.decide(subjects(found.live), now, t.live);
    if (found.held.length > 0) await this.decideShadow(subjects(found.held), now, t);
  }

  /** Evaluates a batch, decides, publishes, and records each decision (the shadow's apart). */
  private async judge(subjects: Subject[], now: string, t: Tallies): Promise<void> {
    if (subjects.length === 0) return;
    const results = await this.out.evaluate(
      subjects.map((s) => s.input),
      (subjects[0] as Subject).store,
      subjects.map((s) => s.contentHash),
    );
    const held: (Omit<Subject, 'input'> & { findings: Finding[] })[] = [];
    const judged = subjects.map((s, i) => {
      const r = results[i] ?? { findings: [], failures: [] };
      const failures = splitByShadow(r.failures, t.packages);
      for (const f of failures.live) t.live.failures.set(f.package, f.error);
      for (const f of failures.held) t.shadow.failures.set(f.package, f.error);
      const findings = splitByShadow(r.findings, t.packages);
      t.live.findings += findings.live.length;
      t.shadow.findings += findings.held.length;
      if (findings.held.length > 0) held.push({ ...s, findings: findings.held });
      return { ...s, findings: findings.live };
    });
    t.live.resources += subjects.length;
    if (t.packages.size > 0) t.shadow.resources += subjects.length;
    await this.decide(judged, now, t.live);
    if (held.length > 0) await this.decideShadow(held, now, t);
  }

  /**
   * The shadow packages' findings decided as if in service (the same rules, with the change they
   * came with), remembered apart, published on `elava.shadow.decisions.*` only, and named in the
   * request's shadow `policy_evaluated` entry instead of `decided` entries (which are the
   * decisions in service: `elava decisions`, the decision memory's recall).
   */
  private async decideShadow(
    subjects: (Omit<Subject, 'input'> & { findings: Finding[] })[],
    now: string,
    t: Tallies,
  ): Promise<void> {
    const decisions: Decision[] = [];
    const admitted: Proposal[] = [];
    const shadows: Proposal[] = [];
    for (const s of subjects)
      for (const p of propose({ ...s, time: now }, this.settings)) {
        const shadow = shadowProposal(p, t.packages);
        if (shadow) shadows.push(shadow);
      }
    const ids = await this.out.admit(shadows);
    shadows.forEach((shadow, i) => {
      const id = ids[i];
      if (id) {
        decisions.push({ id, ...shadow.decision });
        admitted.push(shadow);
      }
    });
    t.shadow.decisions += decisions.length;
    t.shadow.decided.push(...decisions);
    await this.out.publishShadow?.(decisions);
    await this.out.confirm(admitted);
  }

  private async decide(
    subjects: (Omit<Subject, 'input'> & { findings: Finding[] })[],
    now: string,
    tally: Tally,
  ): Promise<void> {
    const decisions: Decision[] = [];
    const admitted: ReturnType<typeof propose> = [];
    const proposalOf = new Map<string, ReturnType<typeof propose>[number]>();
    const proposals = subjects.flatMap((s) =>
      propose(
        {
          store: s.store,
          resource: s.resource,
          change: s.change,
          revision: s.revision,
          findings: s.findings,
          time: now,
        },
        this.settings,
      ),
    );
    const ids = await this.out.admit(proposals);
    proposals.forEach((p, i) => {
      const id = ids[i];
      if (id) {
        decisions.push({ id, ...p.decision });
        admitted.push(p);
        proposalOf.set(id, p);
      }
    });
    tally.decisions += decisions.length;
    await this.out.publish(decisions);
    await this.out.audit(
      decisions.map((d) => ({
        key: `decided-${d.id}`,
        draft: {
          type: 'decided' as const,
          resource_id: d.resource.id,
          revision: d.revision,
          // What the decision memory holds, so a Redis that lost it is rebuilt from the trail.
          data: { decision: d, memory: memoryOf(proposalOf.get(d.id)) },
        },
      })),
    );
    // Only now: a crash before this re-publishes (dropped by the stream) and re-records (a no-op).
    await this.out.confirm(admitted);
  }
}

/** The part of a proposal the decision memory keeps (see remember.ts). */
function memoryOf(p: ReturnType<typeof propose>[number] | undefined): { key: string; fingerprint: string } | undefined {
  return p ? { key: p.key, fingerprint: p.fingerprint } : undefined;
}
