import { fdatasync, writev } from 'node:fs';
import { promisify } from 'node:util';

const writevP = promisify(writev);
const fdatasyncP = promisify(fdatasync);

/** The calls of the write path that a full or read-only disk makes fail. */
export type LogIoOp = 'write' | 'sync';

/**
 * TEST SEAM, never set in production. Called before each write and sync of the log (and of the
 * probe `Store.resume` writes); an error it returns is thrown instead of making the call. It lets
 * a test on a machine that refuses to mount a small tmpfs fill "the disk" by returning an ENOSPC.
 */
export type LogIoFault = (op: LogIoOp, fd: number) => NodeJS.ErrnoException | null | undefined;

let fault: LogIoFault | null = null;

/** TEST SEAM: installs (or with null, removes) the fault. See LogIoFault. */
export function injectLogIoFaultForTests(f: LogIoFault | null): void {
  fault = f;
}

/** Throws the injected fault for this call, if any (for the synchronous calls of rotation). */
export function checkFault(op: LogIoOp, fd: number): void {
  const err = fault?.(op, fd);
  if (err) throw err;
}

/**
 * Writes all of `bufs` at `position`. A short write (a disk filling up) goes on from where it
 * stopped, so that running out of space surfaces as the ENOSPC of the next call, never as a record
 * silently cut short.
 */
export async function writeAllAt(fd: number, bufs: Buffer[], position: number): Promise<void> {
  let rest = bufs;
  let at = position;
  while (rest.length > 0) {
    checkFault('write', fd);
    const { bytesWritten } = await writevP(fd, rest, at);
    if (bytesWritten <= 0) throw Object.assign(new Error(`write made no progress at offset ${at}`), { code: 'EIO' });
    at += bytesWritten;
    let skip = bytesWritten;
    let i = 0;
    while (i < rest.length && skip >= (rest[i] as Buffer).length) skip -= (rest[i++] as Buffer).length;
    rest = rest.slice(i);
    if (skip > 0 && rest.length > 0) rest[0] = (rest[0] as Buffer).subarray(skip);
  }
}

/** fdatasync, through the seam. */
export async function datasync(fd: number): Promise<void> {
  checkFault('sync', fd);
  await fdatasyncP(fd);
}
