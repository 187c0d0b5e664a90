/** A read asked for a revision that compaction has removed. */
export class CompactedError extends Error {
  constructor(
    readonly requested: number,
    readonly compactedAt: number,
  ) {
    super(`revision ${requested} has been compacted; the oldest readable revision is ${compactedAt}`);
    this.name = 'CompactedError';
  }
}

/** A revision beyond the newest committed one. */
export class FutureRevisionError extends Error {
  constructor(
    readonly requested: number,
    readonly current: number,
  ) {
    super(`revision ${requested} is in the future; the newest committed revision is ${current}`);
    this.name = 'FutureRevisionError';
  }
}

/** Damage in the log that recovery will not guess about. Names the segment and the offset. */
export class CorruptionError extends Error {
  constructor(
    readonly segment: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(
      `store corrupt at ${segment} offset ${offset}: ${reason}. Run \`elava store check\`, then \`elava store repair\` to keep everything before it.`,
    );
    this.name = 'CorruptionError';
  }
}

/** A write failed (disk full, fsync error): the store stops taking writes until reopened. */
export class StoreFailedError extends Error {
  constructor(cause: unknown) {
    super(`the store stopped taking writes after an I/O error: ${(cause as Error)?.message ?? cause}; reopen it`);
    this.name = 'StoreFailedError';
    this.cause = cause;
  }
}

/** Input the store refuses before writing anything. */
export class InvalidWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidWriteError';
  }
}

export class StoreLockedError extends Error {
  constructor(dir: string, holder: string) {
    super(`the store at ${dir} is in use by another process (${holder}); one writer at a time`);
    this.name = 'StoreLockedError';
  }
}
