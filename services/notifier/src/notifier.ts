import type { Logger } from '@elava/log';
import type { AuditEntryDraft, Decision, Severity } from '@elava/types';
import { detailed, digest, type SlackMessage } from './message.js';
import type { PostResult } from './webhook.js';

export interface NotifierSettings {
  /** Severity → channel name; absent means the webhook's own channel. */
  channels: Partial<Record<Severity, string>>;
  /** More decisions than this in one window go out as one digest. */
  digestThreshold: number;
  /** How long decisions gather before they are posted. */
  windowMs: number;
}

export interface NotifierOutputs {
  post(message: SlackMessage): Promise<PostResult>;
  /** Idempotent by key. */
  audit(entries: { draft: AuditEntryDraft; key: string }[]): Promise<void>;
}

interface Waiting {
  decision: Decision;
  resolve: () => void;
  reject: (err: Error) => void;
}

const NOTIFIED = new Set(['notify', 'alert']);

/**
 * Turns `notify` and `alert` decisions into webhook posts, gathered per severity for a short
 * window: a few go in full (Block Kit, as many posts as Slack's limits need), many as one digest
 * that lists the findings. Each decision's promise settles once its
 * outcome (`executed`, `failed`, or `skipped` in dry-run) is in the audit trail, so the caller
 * acknowledges the message only then.
 */
export class Notifier {
  private readonly waiting = new Map<Severity, Waiting[]>();
  private readonly timers = new Map<Severity, NodeJS.Timeout>();

  constructor(
    private readonly settings: NotifierSettings,
    private readonly out: NotifierOutputs,
    private readonly log: Logger,
  ) {}

  accept(d: Decision): Promise<void> {
    if (!NOTIFIED.has(d.action)) return Promise.resolve();
    // A dry run notifies too (its messages say so): only the executor's writes are left undone.
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(d.severity) ?? [];
      list.push({ decision: d, resolve, reject });
      this.waiting.set(d.severity, list);
      if (!this.timers.has(d.severity)) {
        this.timers.set(
          d.severity,
          setTimeout(() => void this.flush(d.severity), this.settings.windowMs),
        );
      }
    });
  }

  /** Posts everything still gathering (at shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.waiting.keys()].map((s) => this.flush(s)));
  }

  private async flush(severity: Severity): Promise<void> {
    clearTimeout(this.timers.get(severity));
    this.timers.delete(severity);
    const batch = this.waiting.get(severity) ?? [];
    this.waiting.delete(severity);
    if (batch.length === 0) return;
    const channel = this.settings.channels[severity];
    const outcomes: { w: Waiting; result: PostResult; digest: boolean }[] = [];
    if (batch.length > this.settings.digestThreshold) {
      const result = await this.out.post(
        digest(
          batch.map((w) => w.decision),
          channel,
        ),
      );
      for (const w of batch) outcomes.push({ w, result, digest: true });
    } else {
      // A few at once: every one in full, in as many posts as Slack's limits need.
      const waiter = new Map(batch.map((w) => [w.decision, w]));
      for (const p of detailed(
        batch.map((w) => w.decision),
        channel,
      )) {
        const result = await this.out.post(p.message);
        for (const d of p.decisions) {
          const w = waiter.get(d);
          if (w) outcomes.push({ w, result, digest: false });
        }
      }
    }
    const entries = outcomes.map(({ w, result, digest: isDigest }) => ({
      key: `notify-${w.decision.id}`,
      draft: {
        type: result.ok ? ('executed' as const) : ('failed' as const),
        resource_id: w.decision.resource.id,
        revision: w.decision.revision,
        data: {
          decision_id: w.decision.id,
          via: 'slack',
          ...(channel ? { channel } : {}),
          digest: isDigest ? batch.length : false,
          attempts: result.attempts,
          ...(result.status !== undefined ? { status: result.status } : {}),
          ...(result.error ? { error: result.error } : {}),
        },
      },
    }));
    const failed = outcomes.filter((o) => !o.result.ok);
    if (failed.length > 0)
      this.log.error(
        { severity, failed: failed.length, err: failed[0]?.result.error },
        'notification failed after retries',
      );
    try {
      await this.out.audit(entries);
      for (const { w } of outcomes) w.resolve();
    } catch (err) {
      for (const { w } of outcomes) w.reject(err as Error);
    }
  }
}
