import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AckedPublisher, type NatsConnection, subjects } from '@elava/bus';
import type { Logger } from '@elava/log';
import type { Store } from '@elava/store';

const MARK = 'wal-published.json';
/**
 * The mark only spares re-publishing after a restart (the stream drops duplicates anyway), so it
 * is written at most this often rather than after every page.
 */
const MARK_EVERY_MS = 1_000;

/**
 * Publishes the audit trail on `elava.wal.<type>` in sequence order, after the store committed it.
 * How far it got is kept beside the store; after a crash it publishes again from there, and the
 * stream drops what it already had (message id = `<store id>.<seq>`, so two stores never collide).
 */
export class WalPublisher {
  private published: number;
  readonly storeId: string;
  private running: Promise<void> = Promise.resolve();
  private savedAt = 0;
  private readonly publisher: AckedPublisher;

  constructor(
    nc: NatsConnection,
    private readonly store: Store,
    private readonly log: Logger,
  ) {
    this.publisher = new AckedPublisher(nc);
    const path = join(store.dir, MARK);
    const mark = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { store: string; seq: number }) : null;
    // The store's own identity; a mark written before stores had one keeps the id it published under.
    this.storeId = mark?.store ?? store.id;
    this.published = Math.min(mark?.seq ?? 0, store.stats().audit_entries);
    // The id must be on disk before anything is published under it: a crash before the first mark
    // would otherwise re-publish under a new id, which the stream cannot recognise as a duplicate.
    if (!mark) this.save();
  }

  get position(): number {
    return this.published;
  }

  /** Publishes everything committed and not yet acknowledged by the stream; calls are serialized. */
  catchUp(): Promise<void> {
    // A failed round (NATS away, a full disk for the mark) fails its caller, not every later round.
    this.running = this.running.catch(() => {}).then(() => this.publishPending());
    return this.running;
  }

  private async publishPending(): Promise<void> {
    let sent = 0;
    for (;;) {
      // The entries as stored: the same JSON as the entry, sent without parsing it and writing it again.
      const batch = this.store.auditText({ after: this.published, limit: 500 });
      if (batch.length === 0) break;
      // A batch at a time, acks asked of its ends (AckedPublisher): one round trip per entry was
      // the recorder's wait after every page. A batch that fails is sent again whole; the stream
      // drops the entries it had.
      await this.publisher.publish(
        batch.map((e) => ({ subject: subjects.wal(e.type), data: e.text, msgID: `${this.storeId}.${e.seq}` })),
      );
      this.published = batch.at(-1)?.seq ?? this.published;
      sent += batch.length;
      if (Date.now() - this.savedAt >= MARK_EVERY_MS) this.saveQuietly();
    }
    if (sent > 0) this.log.debug({ sent, upTo: this.published }, 'audit trail published');
  }

  /** The mark only spares work after a restart: a full disk must not stop publishing. */
  private saveQuietly(): void {
    try {
      this.save();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not write the WAL mark; publishing goes on');
    }
  }

  /** Stops waiting for acks (at shutdown, after the last catchUp). */
  close(): void {
    this.publisher.close();
  }

  /** Writes the mark now (at shutdown, so a clean restart re-publishes nothing). */
  save(): void {
    this.savedAt = Date.now();
    const path = join(this.store.dir, MARK);
    writeFileSync(`${path}.tmp`, JSON.stringify({ store: this.storeId, seq: this.published }));
    renameSync(`${path}.tmp`, path);
  }
}
