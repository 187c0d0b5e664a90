import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Logger } from '@elava/log';
import { jobsFor, type TargetedJob } from './jobs.js';
import { type Routed, type RouteSettings, route } from './route.js';

export interface EventQueue {
  url: string;
  account: string;
  region: string;
  /** Where unreadable messages are sent; absent: they stay for the queue's own redrive policy. */
  dlq_url?: string;
}

export interface PollerOptions {
  /** The events service's own SQS client: it deletes what it handled, so it is not a reader's. */
  sqs: SQSClient;
  queue: EventQueue;
  settings: RouteSettings;
  /** Adds the targeted scan jobs (ids deduplicated by job id); throws when the queue is unreachable. */
  enqueue(jobs: TargetedJob[]): Promise<void>;
  log: Logger;
  waitSeconds?: number;
  batchSize?: number;
  visibilitySeconds?: number;
  /** Back-off after a failed receive: base and ceiling (jitter makes each wait 50–100% of its step). */
  backoffMs?: { base: number; max: number };
  /** Each message's outcome, for metrics. */
  onOutcome?(r: Routed): void;
  /** The targeted scan jobs queued for one receive's events. */
  onJobs?(jobs: TargetedJob[]): void;
  onReceiveError?(): void;
}

/**
 * One long-polling loop over one queue. A message is deleted once what it asks for is queued (or
 * it asks for nothing: read-only, unmapped, another account's); one that cannot be read goes to
 * the dead-letter queue with its reason (or stays for the redrive policy), and nothing else stops.
 * An enqueue that fails leaves the message to come back after its visibility timeout: at least once.
 */
export class QueuePoller {
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private failures = 0;

  constructor(private readonly o: PollerOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async loop(): Promise<void> {
    const { queue, log } = this.o;
    while (!this.stopped) {
      let messages: Message[];
      try {
        const out = await this.o.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.url,
            WaitTimeSeconds: this.o.waitSeconds ?? 20,
            MaxNumberOfMessages: this.o.batchSize ?? 10,
            VisibilityTimeout: this.o.visibilitySeconds ?? 60,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
          { abortSignal: this.abort.signal },
        );
        messages = out.Messages ?? [];
        if (this.failures > 0) log.info({ queue: queue.url, after: this.failures }, 'event queue reachable again');
        this.failures = 0;
      } catch (err) {
        if (this.stopped) break;
        this.o.onReceiveError?.();
        this.failures++;
        const { base, max } = this.o.backoffMs ?? { base: 500, max: 30_000 };
        const step = Math.min(max, base * 2 ** Math.min(this.failures - 1, 16));
        const wait = Math.round(step * (0.5 + Math.random() / 2));
        // One line when it starts and one every tenth try: an outage is not a flood of logs.
        if (this.failures === 1 || this.failures % 10 === 0)
          log.warn(
            { queue: queue.url, err: (err as Error).message, failures: this.failures, retryInMs: wait },
            'event queue unreachable; backing off (sweeps go on)',
          );
        await sleep(wait, this.abort.signal);
        continue;
      }
      if (messages.length === 0) continue;
      const done = await this.handle(messages);
      const handled = messages.filter((_, i) => done[i]);
      if (handled.length > 0) await this.delete(handled);
    }
  }

  /**
   * One receive's messages: each routed, the re-reads of all of them queued together (one job per
   * scope, see jobsFor). Answers, per message, whether it is dealt with and may be deleted.
   */
  private async handle(messages: Message[]): Promise<boolean[]> {
    const { queue, log } = this.o;
    const routed: (Routed | null)[] = messages.map((m) => {
      try {
        return route(m.Body ?? '', queue, this.o.settings);
      } catch (err) {
        // A fault of ours, not the message's: it stays, to be read again (and redriven if it persists).
        log.error(
          { queue: queue.url, message: m.MessageId, err: (err as Error).message },
          'event could not be handled',
        );
        return null;
      }
    });
    const events = routed.flatMap((r) =>
      r?.kind === 'targets' ? [{ id: r.event.id, time: r.event.time ?? '', targets: r.targets }] : [],
    );
    let queued = true;
    if (events.length > 0) {
      const jobs = jobsFor(events);
      try {
        await this.o.enqueue(jobs);
        this.o.onJobs?.(jobs);
        log.debug({ events: events.map((e) => e.id), jobs: jobs.map((j) => j.scan_id) }, 'events queued for re-read');
      } catch (err) {
        queued = false;
        log.warn(
          { queue: queue.url, events: events.length, err: (err as Error).message },
          'could not queue the re-reads; the messages come back after their visibility timeout',
        );
      }
    }
    return Promise.all(
      routed.map(async (r, i) => {
        if (!r) return false;
        if (r.kind === 'targets' && !queued) return false;
        this.o.onOutcome?.(r);
        if (r.kind === 'foreign')
          log.warn(
            { event: r.event.id, name: r.name, account: r.account },
            'event from an account not configured: dropped',
          );
        if (r.kind === 'malformed') return this.deadLetter(messages[i] as Message, r.reason);
        return true;
      }),
    );
  }

  private async deadLetter(m: Message, reason: string): Promise<boolean> {
    const { queue, log } = this.o;
    const received = m.Attributes?.ApproximateReceiveCount;
    if (!queue.dlq_url) {
      log.error(
        { queue: queue.url, message: m.MessageId, received, reason },
        'unreadable event left for the queue redrive policy (dead-letter queue)',
      );
      return false;
    }
    try {
      await this.o.sqs.send(
        new SendMessageCommand({
          QueueUrl: queue.dlq_url,
          MessageBody: m.Body || '(empty)',
          MessageAttributes: {
            'elava-reason': { DataType: 'String', StringValue: reason.slice(0, 1000) },
            'elava-source-queue': { DataType: 'String', StringValue: queue.url },
          },
        }),
      );
    } catch (err) {
      log.error(
        { queue: queue.url, message: m.MessageId, reason, err: (err as Error).message },
        'unreadable event could not be sent to the dead-letter queue; it comes back later',
      );
      return false;
    }
    log.error(
      { queue: queue.url, message: m.MessageId, dlq: queue.dlq_url, reason },
      'unreadable event sent to the dead-letter queue',
    );
    return true;
  }

  private async delete(messages: Message[]): Promise<void> {
    try {
      const out = await this.o.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.o.queue.url,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      // Not deleted: it comes back, and its re-read is deduplicated by its job id.
      if (out.Failed?.length)
        this.o.log.warn({ queue: this.o.queue.url, failed: out.Failed.length }, 'some handled events were not deleted');
    } catch (err) {
      if (!this.stopped)
        this.o.log.warn({ queue: this.o.queue.url, err: (err as Error).message }, 'could not delete handled events');
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
