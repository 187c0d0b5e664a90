import { createHash } from 'node:crypto';
import type { ExecutionJob } from '@elava/bus';
import type { Logger } from '@elava/log';
import { type AuditEntryDraft, type Decision, parseScopeKey, scopeSubjectId } from '@elava/types';
import type { Approvals } from './approvals.js';
import type { ClaimStore } from './claims.js';
import { claimRecord } from './claims.js';
import { CallFailedError, type Cloud } from './cloud.js';
import type { GuardVerdict, PopulationGuard, WriteCap } from './guard.js';
import { type ApiCall, type PlanSettings, plan } from './plan.js';

/** The actions the executor carries out; every other decision is someone else's. */
export const EXECUTABLE = new Set(['auto_tag', 'enforce_policy', 'protect']);

export interface ExecutorSettings {
  /** policies.enforcement_mode: notify writes nothing, dry_run records the calls, enforce makes them. */
  mode: 'notify' | 'dry_run' | 'enforce';
  requireApproval: boolean;
  plan: PlanSettings;
}

export interface ExecutorPorts {
  cloud: Cloud;
  claims: ClaimStore;
  guard: PopulationGuard;
  cap: WriteCap;
  approvals: Approvals;
  /** Idempotent by key. */
  audit(drafts: { draft: AuditEntryDraft; key: string }[]): Promise<void>;
  /** Onto the execution queue; the decision id is the job id, so a decision is queued once. */
  enqueue(job: ExecutionJob): Promise<void>;
  /** The guard's one alert, on elava.decisions.alert.critical. */
  publish(d: Decision): Promise<void>;
  /** The tags written, so the next scan's drift they explain is known as Elava's own. */
  ownWrites: {
    record(store: string, resourceId: string, set: Record<string, string>, removed: string[]): Promise<void>;
    tags(store: string, resourceId: string): Promise<Record<string, string>>;
  };
  /** Decisions carried out (or found already done): never acted on again. */
  done: { has(id: string): Promise<boolean>; add(id: string): Promise<void> };
}

/** The execution has to wait: another executor holds the resource, or the write cap is reached. */
export class NotYetError extends Error {
  constructor(
    message: string,
    readonly retryAt: number,
  ) {
    super(message);
    this.name = 'NotYetError';
  }
}

/**
 * From a decision to a write: which decisions are ours, the mode, the population guard, approval,
 * then (on the execution queue) the claim, the write cap, the calls, and every step in the trail.
 */
export class Executor {
  constructor(
    private readonly settings: ExecutorSettings,
    private readonly ports: ExecutorPorts,
    private readonly log: Logger,
  ) {}

  private trail(type: AuditEntryDraft['type'], d: Decision, key: string, data: Record<string, unknown>) {
    return this.ports.audit([
      {
        key,
        draft: {
          type,
          resource_id: d.resource.id,
          revision: d.revision,
          data: { decision_id: d.id, action: d.action, ...data },
        },
      },
    ]);
  }

  /** A decision from the stream. Returns once it is queued, held, waiting, or not ours. */
  async intake(d: Decision): Promise<void> {
    if (!EXECUTABLE.has(d.action)) return;
    if (await this.ports.done.has(d.id)) return;
    const { mode } = this.settings;
    if (mode === 'notify') {
      await this.trail('skipped', d, `skipped-${d.id}`, { reason: 'enforcement_mode is notify: Elava only reports' });
      return;
    }
    const arrived = await this.ports.guard.note(d);
    await new Promise((r) => setTimeout(r, Math.max(0, arrived + this.ports.guard.settings.windowMs - Date.now())));
    const verdict = await this.ports.guard.verdict(d, arrived);
    if (verdict.held) return this.hold(d, verdict);
    if (mode === 'dry_run' || d.metadata.dry_run === true) {
      const current = await this.ports.cloud.read(d);
      const p = plan(d, current, this.settings.plan);
      await this.trail('skipped', d, `skipped-${d.id}`, {
        reason: 'dry run: nothing was written',
        dry_run: true,
        ...('refused' in p ? { refused: p.refused } : { calls: p.calls, note: p.note }),
      });
      return;
    }
    if (this.settings.requireApproval) {
      const pending = await this.ports.approvals.request(d);
      if (pending)
        await this.trail('awaiting_approval', d, `awaiting-${d.id}`, {
          expires_at: pending.expires_at,
          approve_with: `elava approve ${d.id}`,
        });
      return;
    }
    await this.ports.enqueue({ decision: d });
  }

  private async hold(d: Decision, v: GuardVerdict): Promise<void> {
    const alertId = createHash('sha1').update(`guard\n${d.store}\n${v.scope}\n${d.time}`).digest('hex');
    await this.trail('skipped', d, `skipped-${d.id}`, {
      reason: 'held by the population guard',
      scope: v.scope,
      eligible: v.eligible,
      population: v.population,
      alert: v.raiseAlert ? alertId : undefined,
    });
    if (!v.raiseAlert) return;
    const { account, region, type } = parseScopeKey(v.scope);
    const alert: Decision = {
      id: alertId,
      store: d.store,
      action: 'alert',
      severity: 'critical',
      resource: { id: scopeSubjectId({ account, region, type }, 'guard/population'), type, account, region, tags: {} },
      reason: `population guard: ${v.eligible} of ${v.population ?? 'an unknown number of'} ${type} in ${account}/${region} became eligible for ${d.action} at once; all held, nothing written`,
      revision: d.revision,
      time: new Date().toISOString(),
      metadata: {
        guard: {
          eligible: v.eligible,
          population: v.population,
          share: v.population ? v.eligible / v.population : null,
        },
      },
    };
    await this.ports.publish(alert);
    await this.ports.audit([
      {
        key: `decided-${alert.id}`,
        draft: { type: 'decided', resource_id: '', revision: d.revision, data: { decision: alert } },
      },
    ]);
    this.log.warn({ scope: v.scope, eligible: v.eligible, population: v.population }, 'population guard: writes held');
  }

  /** An approval arrived (NATS request or CLI): the write goes onto the execution queue. */
  async approve(id: string, by: string): Promise<{ ok: true; decision: Decision } | { ok: false; error: string }> {
    const r = await this.ports.approvals.approve(id);
    if ('refused' in r)
      return {
        ok: false,
        error:
          r.refused === 'expired'
            ? `decision ${id} waited longer than behavior.approval_timeout and expired`
            : `no write is waiting for approval under decision ${id}`,
      };
    const d = r.approved.decision;
    await this.trail('approved', d, `approved-${d.id}`, { by });
    await this.ports.enqueue({ decision: d, approved_by: by });
    return { ok: true, decision: d };
  }

  /** Pending approvals whose time ran out: recorded as skipped, never written. */
  async expireApprovals(): Promise<number> {
    const expired = await this.ports.approvals.expired();
    for (const p of expired)
      await this.trail('skipped', p.decision, `expired-${p.decision.id}`, {
        reason: 'approval expired',
        expires_at: p.expires_at,
      });
    return expired.length;
  }

  private async recordTags(d: Decision, sent: ApiCall[]): Promise<void> {
    const set: Record<string, string> = {};
    const removed: string[] = [];
    for (const c of sent) {
      const tags = (c.input.Tags ?? (c.input.Tagging as { TagSet?: unknown } | undefined)?.TagSet ?? []) as {
        Key: string;
        Value?: string;
      }[];
      if (['CreateTags', 'AddTagsToResource', 'PutBucketTagging'].includes(c.operation))
        for (const t of tags) set[t.Key] = t.Value ?? '';
      if (c.operation === 'DeleteTags') removed.push(...tags.map((t) => t.Key));
      if (c.operation === 'RemoveTagsFromResource') removed.push(...((c.input.TagKeys ?? []) as string[]));
    }
    await this.ports.ownWrites.record(d.store, d.resource.id, set, removed);
  }

  /** One decision from the execution queue: claimed, planned against the resource as it is now, written. */
  async execute(job: ExecutionJob, attempt: number): Promise<void> {
    const d = job.decision;
    if (await this.ports.done.has(d.id)) return;
    const claim = await this.ports.claims.acquire(d.resource.id, d.id);
    if (!claim) throw new NotYetError(`${d.resource.id} is claimed by another executor`, Date.now() + 1_000);
    await this.ports.claims.hold(claim, async (stillHeld) => {
      const current = {
        ...(await this.ports.cloud.read(d)),
        ownTags: await this.ports.ownWrites.tags(d.store, d.resource.id),
      };
      const p = plan(d, current, this.settings.plan);
      const base = { claim: claimRecord(claim), ...(job.approved_by ? { approved_by: job.approved_by } : {}) };
      if ('refused' in p) {
        await this.trail('skipped', d, `skipped-${d.id}`, { ...base, reason: p.refused });
        return this.ports.done.add(d.id);
      }
      if (p.calls.length === 0) {
        await this.trail('executed', d, `executed-${d.id}`, { ...base, calls: [], note: p.note });
        return this.ports.done.add(d.id);
      }
      const slot = await this.ports.cap.take();
      if (!slot.ok) {
        await this.trail('skipped', d, `capped-${d.id}-${slot.retryAt}`, {
          ...base,
          reason: 'actions.safety.max_writes_per_interval reached; waiting for the next interval',
          retry_at: new Date(slot.retryAt).toISOString(),
        });
        throw new NotYetError('write cap reached', slot.retryAt);
      }
      await this.trail('executing', d, `executing-${d.id}#${attempt}`, { ...base, calls: p.calls, note: p.note });
      const sent: (ApiCall & { request_id?: string })[] = [];
      for (const call of p.calls) {
        // A claim lost (expired while this executor stalled) means another may be acting: stop.
        if (!(await stillHeld())) {
          await this.trail('failed', d, `failed-${d.id}#${attempt}`, {
            ...base,
            error: 'claim lost before writing',
            sent,
          });
          throw new NotYetError('claim lost', Date.now() + 1_000);
        }
        try {
          const { requestId } = await this.ports.cloud.send(d, call);
          sent.push({ ...call, ...(requestId ? { request_id: requestId } : {}) });
        } catch (err) {
          const e = err as Error;
          await this.trail('failed', d, `failed-${d.id}#${attempt}`, {
            ...base,
            error: e.message,
            call,
            ...(err instanceof CallFailedError && err.requestId ? { request_id: err.requestId } : {}),
            sent,
          });
          return this.ports.done.add(d.id);
        }
      }
      await this.recordTags(d, sent);
      await this.trail('executed', d, `executed-${d.id}`, { ...base, calls: sent, note: p.note });
      await this.ports.done.add(d.id);
      this.log.info({ decision: d.id, resource: d.resource.id, action: d.action, calls: sent.length }, 'executed');
    });
  }
}
