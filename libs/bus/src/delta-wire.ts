import type { Delta, DeltaKind, EncodedObservation, RevisionDeltas, Tags, VersionMeta } from '@elava/types';
import { packer, textAt } from './byte-ranges.js';
import { InvalidMessageError } from './validate.js';

/**
 * A revision's deltas as the detector's stash value holds them: their metadata as one compact
 * JSON array, then their documents. A first scan's deltas were 40 MB of job JSON per 100,000
 * resources (each delta's version objects spelled out, the revision's time repeated in every
 * one): stringified by the recorder, carried as a string by ioredis both ways, parsed and checked
 * field by field with zod on the detector. Here the job is only the envelope; the value is
 *
 *   [u32 byte length of the metadata][metadata JSON][documents]
 *
 * and each delta is a tuple (the current version's revision and time are the revision's own):
 *
 *   [id, kind, [sub, created, version, tombstone, hash],
 *    previous: 0 | [main, sub, created, version, tombstone, hash, time],
 *    tags: 0 | {…}, current_at: 0 | [at, n], previous_at: 0 | [at, n]]
 *
 * with `kind` an index into KINDS, `tombstone` 0 or 1, and ranges counted from the documents' start.
 * A current document read from the scanner's page value instead has the range it has there and a
 * third element, 1: [at, n, 1] (see `page_documents`).
 */
const KINDS: readonly DeltaKind[] = ['added', 'modified', 'reappeared', 'tombstoned'];
const KIND_INDEX = new Map(KINDS.map((k, i) => [k, i]));

type Range = [number, number];
type PageRange = [number, number, 1];
type PackedCurrent = [number, number, number, 0 | 1, string];
type PackedPrevious = [number, number, number, number, 0 | 1, string, string];
type PackedDelta = [string, number, PackedCurrent, PackedPrevious | 0, Tags | 0, Range | PageRange | 0, Range | 0];

const HEAD = 4;

/** The page a revision was recorded from, as the recorder took it: its value's key and ranges. */
export interface PageSource {
  documents?: string;
  resources: readonly EncodedObservation[];
}

/**
 * The deltas and their documents as one stash value; the job keeps the envelope and their count.
 * When most of `page` changed (a first scan), the current documents are not copied: the detector
 * reads them from the page's own value, which it then marks done.
 */
export function packRevision(
  rd: RevisionDeltas,
  key: string,
  page?: PageSource,
): { deltas: RevisionDeltas; blob: Buffer } {
  const inPage = pageRanges(rd, page);
  const docs = packer(rd.deltas.flatMap((d, i) => [inPage?.[i] ? '' : (d.current_json ?? ''), d.previous_json ?? '']));
  const place = (text: string | undefined): Range | 0 => (text === undefined || !docs ? 0 : docs.place(text));
  const packed = rd.deltas.map((d, i): PackedDelta => {
    const c = d.current;
    const pageAt = inPage?.[i];
    const p = d.previous;
    return [
      d.id,
      KIND_INDEX.get(d.kind) ?? -1,
      [c.revision.sub, c.created, c.version, c.tombstone ? 1 : 0, c.content_hash],
      p ? [p.revision.main, p.revision.sub, p.created, p.version, p.tombstone ? 1 : 0, p.content_hash, p.time] : 0,
      d.current_tags ?? 0,
      pageAt ? [pageAt[0], pageAt[1], 1] : place(d.current_json),
      place(d.previous_json),
    ];
  });
  const meta = JSON.stringify(packed);
  const metaBytes = Buffer.byteLength(meta);
  const blob = Buffer.allocUnsafe(HEAD + metaBytes + (docs?.blob.length ?? 0));
  blob.writeUInt32BE(metaBytes, 0);
  blob.write(meta, HEAD);
  docs?.blob.copy(blob, HEAD + metaBytes);
  const { deltas: _inline, ...envelope } = rd;
  const job: RevisionDeltas = { ...envelope, deltas: [], stashed: rd.deltas.length, documents: key };
  if (inPage && page?.documents) job.page_documents = page.documents;
  return { deltas: job, blob };
}

/**
 * Where each delta's current document lies in the page's value, when it is the page's own text
 * and most of the page's documents are; else null, and the documents are copied. A sweep that
 * changed a few resources of a page copies those few rather than have the detector read it whole.
 */
function pageRanges(rd: RevisionDeltas, page: PageSource | undefined): (Range | undefined)[] | null {
  if (!page?.documents) return null;
  const byId = new Map<string, EncodedObservation>();
  let total = 0;
  for (const r of page.resources) {
    if (!r.json_at) continue;
    byId.set(r.id, r);
    total += r.json_at[1];
  }
  let used = 0;
  const ranges = rd.deltas.map((d) => {
    const r = d.current_json === undefined ? undefined : byId.get(d.id);
    // The same text, not only the same id (a page listing an id twice): usually the same string.
    if (!r?.json_at || r.json !== d.current_json) return undefined;
    used += r.json_at[1];
    return r.json_at;
  });
  return used > 0 && used * 2 >= total ? ranges : null;
}

/**
 * The deltas back from their stash value, each checked: a value that is not what packRevision
 * wrote (another version's, a truncated or hand-edited one) is refused naming the revision and
 * the delta, and never retried.
 */
export function unpackRevision(rd: RevisionDeltas, blob: Buffer, page?: Buffer): RevisionDeltas {
  const where = `the deltas of revision ${rd.revision} (${rd.documents})`;
  const bad = (problem: string): never => {
    throw new InvalidMessageError(where, [problem]);
  };
  if (blob.length < HEAD) bad(`a ${blob.length}-byte stash value has no header`);
  const metaBytes = blob.readUInt32BE(0);
  if (HEAD + metaBytes > blob.length) bad(`the metadata (${metaBytes} bytes) runs past the ${blob.length}-byte value`);
  let list: unknown;
  try {
    list = JSON.parse(blob.toString('utf8', HEAD, HEAD + metaBytes));
  } catch (err) {
    bad(`the metadata is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(list)) return bad('the metadata is not a list');
  if (list.length !== rd.stashed) bad(`${list.length} deltas stashed, the job says ${rd.stashed}`);
  const docs = blob.subarray(HEAD + metaBytes);
  const deltas = list.map((x, i) => unpackDelta(x, i, rd, docs, page, bad));
  const { stashed: _n, documents: _key, page_documents: _page, ...envelope } = rd;
  return { ...envelope, deltas };
}

function unpackDelta(
  x: unknown,
  i: number,
  rd: RevisionDeltas,
  docs: Buffer,
  page: Buffer | undefined,
  bad: (p: string) => never,
): Delta {
  const at = `delta ${i}`;
  if (!Array.isArray(x) || x.length !== 7) return bad(`${at} is not a 7-tuple`);
  const [id, kind, c, p, tags, currentAt, previousAt] = x as unknown[];
  if (typeof id !== 'string' || id === '') bad(`${at}: the id is not a string`);
  const k = Number.isInteger(kind) ? KINDS[kind as number] : undefined;
  if (k === undefined) bad(`${at} (${id}): kind ${JSON.stringify(kind)} is none of ${KINDS.join(', ')}`);
  if (!isTuple(c, ['number', 'number', 'number', 'number', 'string']))
    bad(`${at} (${id}): the current version is not [sub, created, version, tombstone, hash]`);
  if (p !== 0 && !isTuple(p, ['number', 'number', 'number', 'number', 'number', 'string', 'string']))
    bad(`${at} (${id}): the previous version is not [main, sub, created, version, tombstone, hash, time]`);
  if (tags !== 0 && !isTagMap(tags)) bad(`${at} (${id}): the tags are not a map of strings`);
  const text = (range: unknown, which: string): string | undefined => {
    if (range === 0) return undefined;
    const inPage = which === 'current' && Array.isArray(range) && range.length === 3 && range[2] === 1;
    const pair = inPage ? (range as unknown[]).slice(0, 2) : range;
    if (!isRange(pair)) return bad(`${at} (${id}): the ${which} document's range is not [offset, length]`);
    const source = inPage ? page : docs;
    if (!source) return bad(`${at} (${id}): its current document lies in a page's value the job names none of`);
    return (
      textAt(source, pair) ??
      bad(
        `${at} (${id}): the ${which} document's range [${range}] lies outside the ${source.length} bytes of ${inPage ? "the page's value" : 'documents'}`,
      )
    );
  };
  const [sub, created, version, tomb, hash] = c as PackedCurrent;
  const d: Delta = {
    id: id as string,
    kind: k as DeltaKind,
    current: meta(rd.revision, sub, created, version, tomb, hash, rd.time),
    previous: p === 0 ? null : meta(...(p as PackedPrevious)),
  };
  const current = text(currentAt, 'current');
  const previous = text(previousAt, 'previous');
  if (current !== undefined) d.current_json = current;
  if (previous !== undefined) d.previous_json = previous;
  if (tags !== 0) d.current_tags = tags as Tags;
  return d;
}

function meta(
  main: number,
  sub: number,
  created: number,
  version: number,
  tombstone: number,
  hash: string,
  time: string,
): VersionMeta {
  return { revision: { main, sub }, created, version, tombstone: tombstone === 1, content_hash: hash, time };
}

function isTuple(x: unknown, types: readonly string[]): boolean {
  return Array.isArray(x) && x.length === types.length && types.every((t, i) => typeof x[i] === t);
}

function isTagMap(x: unknown): boolean {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  for (const v of Object.values(x)) if (typeof v !== 'string') return false;
  return true;
}

function isRange(x: unknown): x is Range {
  return Array.isArray(x) && x.length === 2 && x.every((v) => Number.isInteger(v) && v >= 0);
}
