import { QueryError } from './params.js';

/**
 * Where the next page starts, opaque to the asker: the revision the first page was read at (so
 * every page of one listing shows the same instant) and the position after the last item.
 */
export interface Cursor {
  /** Revision the listing is pinned to. */
  r?: number;
  /** The other revision an estate diff is pinned to (`r` is its `to`). */
  f?: number;
  /** Last resource id returned (resource listings). */
  k?: string;
  /** Last audit sequence read, and how many items of that entry were returned (trail listings). */
  s?: number;
  i?: number;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

export function decodeCursor(text: string | undefined): Cursor | undefined {
  if (text === undefined) return undefined;
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new QueryError(400, 'cursor: not a cursor this API returned');
  }
  const ok =
    c !== null &&
    typeof c === 'object' &&
    Object.entries(c).every(([k, v]) =>
      k === 'k' ? typeof v === 'string' : ['r', 'f', 's', 'i'].includes(k) && Number.isInteger(v) && (v as number) >= 0,
    );
  if (!ok) throw new QueryError(400, 'cursor: not a cursor this API returned');
  return c as Cursor;
}
