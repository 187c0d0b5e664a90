import { hash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth and `undefined` members dropped, so equal content
 * always has equal bytes. Arrays keep their order: the scanner sorts lists by natural key.
 */
export function canonicalJson(value: unknown): string {
  // A sorted copy handed to the native JSON.stringify is twice as fast as building the string here.
  return JSON.stringify(sortedCopy(value)) ?? 'null';
}

/** A copy with sorted keys; a subtree that is already canonical is returned as it is, uncopied. */
function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      const c = v === undefined || typeof v === 'function' ? null : sortedCopy(v);
      if (c !== v && out === null) out = value.slice(0, i);
      if (out !== null) out.push(c);
    }
    return out ?? value;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  let same = true;
  for (let i = 0; i < keys.length && same; i++) {
    const v = obj[keys[i] as string];
    if ((i > 0 && (keys[i - 1] as string) >= (keys[i] as string)) || v === undefined || typeof v === 'function')
      same = false;
    else if (v !== null && typeof v === 'object' && sortedCopy(v) !== v) same = false;
  }
  if (same) return obj;
  const out: Record<string, unknown> = {};
  for (const k of keys.sort()) {
    const v = obj[k];
    if (v !== undefined && typeof v !== 'function') out[k] = sortedCopy(v);
  }
  return out;
}

/** Equal hashes mean "unchanged". sha1 is the fastest native hash here; this is no security boundary. */
export function contentHash(json: string): Buffer {
  return hash('sha1', json, 'buffer') as unknown as Buffer;
}
