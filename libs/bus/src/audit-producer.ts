import type { AuditEntryDraft } from '@elava/types';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createQueue, QUEUES } from './queue.js';

/** An audit draft with the key the recorder writes it under once (also its job id). */
export interface KeyedDraft {
  draft: AuditEntryDraft;
  key: string;
}

/**
 * Every service's way into the one audit trail: drafts go to the recorder's audit queue with the
 * key as job id and in the draft (the recorder writes a key once, so a draft sent again after a
 * crash lands once even after its job is gone).
 */
export class AuditProducer {
  private readonly queue: Queue<AuditEntryDraft>;

  constructor(connection: Redis, prefix?: string) {
    this.queue = createQueue<AuditEntryDraft>(QUEUES.audit, {
      connection,
      prefix,
      // The recorder writes a key once, so finished jobs are kept for nothing but a look: a first
      // scan's `changes_detected` drafts hold 500 summaries each, and the default 10,000 kept could
      // hold gigabytes in Redis.
      defaultJobOptions: { removeOnComplete: { age: 3_600, count: 1_000 } },
    });
  }

  async send(drafts: readonly KeyedDraft[]): Promise<void> {
    if (drafts.length === 0) return;
    await this.queue.addBulk(
      drafts.map(({ draft, key }) => ({ name: draft.type, data: { ...draft, key }, opts: { jobId: key } })),
    );
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
