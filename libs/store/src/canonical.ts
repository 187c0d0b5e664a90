import { hash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth and `undefined` members dropped, so equal content
 * always has equal bytes. Arrays keep their order: the scanner sorts lists by natural key.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const v = value[i];
      out += v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v);
    }
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined || typeof v === 'function') continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

/** Equal hashes mean "unchanged". sha1 is the fastest native hash here; this is no security boundary. */
export function contentHash(json: string): Buffer {
  return hash('sha1', json, 'buffer') as unknown as Buffer;
}
