// Texts laid end to end in one binary value and found again by [byte offset, byte length]: the
// form of every document stash value (document-stash.ts, delta-wire.ts). Not exported from the lib.

/** Lays texts end to end in one buffer, each placed by [byte offset, byte length]. */
export function packer(texts: Iterable<string>): { blob: Buffer; place(text: string): [number, number] } | null {
  let bytes = 0;
  for (const t of texts) bytes += Buffer.byteLength(t);
  if (bytes === 0) return null;
  const blob = Buffer.allocUnsafe(bytes);
  let at = 0;
  return {
    blob,
    place(text) {
      const n = blob.write(text, at);
      const range: [number, number] = [at, n];
      at += n;
      return range;
    },
  };
}

/** The text at a range, or undefined when the range is not one inside the blob. */
export function textAt(blob: Buffer, range: unknown): string | undefined {
  if (!Array.isArray(range) || range.length !== 2) return undefined;
  const [at, n] = range as [number, number];
  if (!Number.isInteger(at) || !Number.isInteger(n) || at < 0 || n < 0 || at + n > blob.length) return undefined;
  return blob.toString('utf8', at, at + n);
}
