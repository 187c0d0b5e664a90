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

/**
 * A write failed: the store takes no more writes. After an I/O error (EIO, a failed fsync on a
 * failing device) it stays stopped until reopened (fail-stop: such an error cannot be retried
 * safely). Its subclass StorageUnavailableError is the resumable case.
 */
export class StoreFailedError extends Error {
  constructor(cause: unknown, message?: string) {
    super(
      message ?? `the store stopped taking writes after an I/O error: ${(cause as Error)?.message ?? cause}; reopen it`,
    );
    this.name = 'StoreFailedError';
    this.cause = cause;
  }
}

/** The conditions of a data directory that pass when an operator frees space or remounts it. */
const STORAGE_CONDITIONS = {
  ENOSPC: 'no space left on device in',
  EDQUOT: 'disk quota exceeded in',
  EROFS: 'read-only file system at',
} as const;
export type StorageCondition = keyof typeof STORAGE_CONDITIONS;

/**
 * The data directory refused a write: full (ENOSPC), over quota (EDQUOT) or read-only (EROFS).
 * The batch that hit it, and every batch queued behind it, was rejected and left nothing on disk
 * or in reads; reads go on; `Store.resume()` takes writes again once the directory does.
 */
export class StorageUnavailableError extends StoreFailedError {
  constructor(
    readonly code: StorageCondition,
    readonly dir: string,
    /** The call that failed: write, fdatasync, open, … */
    readonly syscall: string,
    cause: unknown,
  ) {
    super(
      cause,
      `${STORAGE_CONDITIONS[code]} ${dir} (${code} on ${syscall}): the store takes no writes until the directory does again`,
    );
    this.name = 'StorageUnavailableError';
  }
}

/** What a failed write means: a StorageUnavailableError for a full or read-only directory, else fail-stop. */
export function writeFailure(cause: unknown, dir: string): StoreFailedError {
  if (cause instanceof StoreFailedError) return cause;
  const { code, syscall } = (cause ?? {}) as NodeJS.ErrnoException;
  if (code !== undefined && Object.hasOwn(STORAGE_CONDITIONS, code)) {
    return new StorageUnavailableError(code as StorageCondition, dir, syscall ?? 'write', cause);
  }
  return new StoreFailedError(cause);
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
