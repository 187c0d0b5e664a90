import { createHash, hash } from 'node:crypto';
import type { CompiledLibrary } from './compiled.js';

/**
 * What a memoized evaluation is filed under. The library's hash covers every compiled byte, the
 * dispatch and the data the policies read (config values, the expected inventory): change any and
 * nothing remembered is found again.
 */
export function libraryHash(library: CompiledLibrary, data: unknown): string {
  const h = createHash('sha256');
  for (const p of library.packages) {
    h.update(`${p.name}:${p.rules.join(',')}:${p.time ?? ''}\n`);
    h.update(p.wasm);
  }
  if (library.combined) h.update(library.combined);
  h.update(JSON.stringify(library.dispatch ?? null));
  h.update(JSON.stringify(data ?? null));
  return h.digest('hex').slice(0, 16);
}

/** An input's JSON without `now`, and the content hash of that text (sha1, base64url). */
export function contentOf(input: object): { text: string; key: string } {
  // Field by field rather than a copy without `now`: this runs once per resource of every sweep.
  let text = '';
  for (const [name, value] of Object.entries(input)) {
    if (name === 'now' || value === undefined) continue;
    text += `${text ? ',' : '{'}${JSON.stringify(name)}:${JSON.stringify(value)}`;
  }
  text = text ? `${text}}` : '{}';
  return { text, key: hash('sha1', text, 'base64url') };
}

/** The input's JSON again with `now` put back (after contentOf; saves a second serialization). */
export function withNow(text: string, now: string): string {
  const field = `"now":${JSON.stringify(now)}`;
  return text === '{}' ? `{${field}}` : `${text.slice(0, -1)},${field}}`;
}

/** The start of the time bucket `now` falls in (bucketMs > 0); undefined when `now` is not a time. */
export function bucketStart(now: unknown, bucketMs: number): number | undefined {
  const at = typeof now === 'string' ? Date.parse(now) : Number.NaN;
  return Number.isFinite(at) ? Math.floor(at / bucketMs) * bucketMs : undefined;
}
