import type { Logger } from '@elava/log';
import type { AnyResource, AuditEntryDraft, Decision, PolicyRequest } from '@elava/types';
import { type DecisionSettings, propose } from './decide.js';
import type { PolicyInput } from './policy-set.js';
import type { Evaluation } from './pool.js';

export interface PolicyOutputs {
  /** Evaluates inputs in order (the thread pool). */
  evaluate(inputs: PolicyInput[]): Promise<Evaluation[]>;
  /** The id to publish under, or null when already decided (DecisionMemory). */
  admit: (p: ReturnType<typeof propose>[number]) => Promise<string | null>;
  publish(decisions: Decision[]): Promise<void>;
  /** Idempotent by key. */
  audit(drafts: { draft: AuditEntryDraft; key: string }[]): Promise<void>;
}

/**
 * One policy request (a revision's changes) → evaluation of every changed resource with its
 * previous version and the change → decisions, each published once → the trail: one
 * `policy_evaluated` per request and one `decided` per decision.
 */
export class PolicyService {
  constructor(
    private readonly settings: DecisionSettings,
    private readonly out: PolicyOutputs,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async handle(req: PolicyRequest): Promise<Decision[]> {
    const now = this.clock().toISOString();
    const subjects = req.changes.map((change) => {
      const resource = (change.current ?? change.previous) as AnyResource;
      const input: PolicyInput = {
        resource: change.current,
        ...(change.previous ? { previous: change.previous } : {}),
        change: { id: change.id, type: change.type, diff: change.diff, revision: change.revision },
        now,
      };
      return { change, resource, input };
    });
    const results = await this.out.evaluate(subjects.map((s) => s.input));
    const decisions: Decision[] = [];
    const failures = new Map<string, string>();
    let findings = 0;
    for (const [i, s] of subjects.entries()) {
      const r = results[i] ?? { findings: [], failures: [] };
      for (const f of r.failures) failures.set(f.package, f.error);
      findings += r.findings.length;
      const proposals = propose(
        { resource: s.resource, change: s.change, revision: s.change.revision, findings: r.findings, time: now },
        this.settings,
      );
      for (const p of proposals) {
        const id = await this.out.admit(p);
        if (id) decisions.push({ id, ...p.decision });
      }
    }
    for (const [pkg, error] of failures) this.log.error({ package: pkg, err: error }, 'policy failed to evaluate');
    await this.out.publish(decisions);
    await this.out.audit([
      {
        key: `policy-${req.key}`,
        draft: {
          type: 'policy_evaluated',
          resource_id: '',
          revision: req.revision,
          data: {
            request: req.key,
            resources: subjects.length,
            findings,
            decisions: decisions.length,
            failures: [...failures].map(([pkg, error]) => ({ package: pkg, error })),
          },
        },
      },
      ...decisions.map((d) => ({
        key: `decided-${d.id}`,
        draft: { type: 'decided' as const, resource_id: d.resource.id, revision: d.revision, data: { decision: d } },
      })),
    ]);
    return decisions;
  }
}
