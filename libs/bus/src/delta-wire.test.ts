import type { Delta, RevisionDeltas, VersionMeta } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { packRevision, unpackRevision } from './delta-wire.js';
import { InvalidMessageError } from './validate.js';

const TIME = '2026-12-03T13:00:00.000Z';
const at = (main: number, sub: number, over: Partial<VersionMeta> = {}): VersionMeta => ({
  revision: { main, sub },
  created: main,
  version: 1,
  tombstone: false,
  content_hash: `h${main}.${sub}`,
  time: main === 7 ? TIME : '2026-12-01T00:00:00.000Z',
  ...over,
});
const revision = (deltas: Delta[]): RevisionDeltas => ({
  store: 'st_1',
  revision: 7,
  time: TIME,
  scope: { account: '1', region: 'r', type: 'ec2.vpc' },
  scan_id: 's',
  deltas,
  baseline: true,
});
const deltas: Delta[] = [
  {
    id: 'a',
    kind: 'added',
    current: at(7, 0),
    previous: null,
    current_json: '{"n":"café ☕"}',
    current_tags: { x: 'y' },
  },
  {
    id: 'b',
    kind: 'modified',
    current: at(7, 1, { created: 2, version: 3 }),
    previous: at(5, 4, { created: 2, version: 2 }),
    current_json: '{"v":2}',
    previous_json: '{"v":1}',
  },
  {
    id: 'c',
    kind: 'tombstoned',
    current: at(7, 2, { tombstone: true, content_hash: '' }),
    previous: at(4, 0),
    previous_json: '{"v":9}',
  },
  { id: 'd', kind: 'reappeared', current: at(7, 3, { created: 7 }), previous: at(6, 0, { tombstone: true }) },
];

/** The job as the detector reads it: through the queue's JSON. */
const queued = (job: RevisionDeltas): RevisionDeltas => JSON.parse(JSON.stringify(job));

/** A stash value with other metadata in place of what was packed. */
function withMeta(meta: unknown, docs = ''): Buffer {
  const text = JSON.stringify(meta);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(Buffer.byteLength(text));
  return Buffer.concat([head, Buffer.from(text), Buffer.from(docs)]);
}

describe('packRevision / unpackRevision', () => {
  it('leaves the job its envelope and gives every delta back as it was', () => {
    const { deltas: job, blob } = packRevision(revision(deltas), 'elava:documents:x');
    expect(job).toEqual({ ...revision([]), stashed: 4, documents: 'elava:documents:x' });
    expect(unpackRevision(queued(job), blob)).toEqual(revision(deltas));
  });

  it('is smaller than the deltas as JSON', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ ...deltas[0], id: `aws:1:r:ec2.vpc:vpc-${i}` }) as Delta);
    const { blob } = packRevision(revision(many), 'k');
    expect(blob.length).toBeLessThan(0.7 * JSON.stringify(many).length);
  });

  describe("a revision recorded from a page mostly of its changes (a first scan's)", () => {
    const docs = ['{"n":"café ☕"}', '{"v":2}'];
    const pageValue = Buffer.from(`xx${docs.join('')}`);
    const ranges: [number, number][] = [
      [2, Buffer.byteLength(docs[0] as string)],
      [2 + Buffer.byteLength(docs[0] as string), 7],
    ];
    const page = {
      documents: 'elava:documents:page.p',
      resources: [
        { id: 'a', json: docs[0] as string, tags: {}, hash: 'h', json_at: ranges[0] },
        { id: 'b', json: docs[1] as string, tags: {}, hash: 'h', json_at: ranges[1] },
      ],
    };

    it("reads the current documents from the page's value instead of copying them", () => {
      const { deltas: job, blob } = packRevision(revision(deltas), 'k', page);
      expect(job.page_documents).toBe(page.documents);
      expect(blob.toString()).not.toContain('café');
      expect(blob.toString()).toContain('{"v":1}');
      expect(unpackRevision(queued(job), blob, pageValue)).toEqual(revision(deltas));
    });

    it('refuses such a revision without the page value', () => {
      const { deltas: job, blob } = packRevision(revision(deltas), 'k', page);
      expect(() => unpackRevision(job, blob)).toThrow(/delta 0 \(a\): its current document lies in a page's value/);
      expect(() => unpackRevision(job, blob, pageValue.subarray(0, 5))).toThrow(
        /delta 0 \(a\): the current document's range \[2,\d+,1\] lies outside the 5 bytes of the page's value/,
      );
    });

    it('copies them when few of the page changed, or the text is not the same', () => {
      const bigger = {
        ...page,
        resources: [
          ...page.resources,
          { id: 'z', json: 'x'.repeat(100), tags: {}, hash: 'h', json_at: [0, 100] as [number, number] },
        ],
      };
      const few = packRevision(revision(deltas), 'k', bigger);
      expect(few.deltas.page_documents).toBeUndefined();
      expect(unpackRevision(few.deltas, few.blob)).toEqual(revision(deltas));
      const other = { ...page, resources: page.resources.map((r) => ({ ...r, json: `${r.json} ` })) };
      expect(packRevision(revision(deltas), 'k', other).deltas.page_documents).toBeUndefined();
      expect(packRevision(revision(deltas), 'k', { resources: page.resources }).deltas.page_documents).toBeUndefined();
    });
  });

  it('refuses a value that is not what was packed, naming the revision and the delta', () => {
    const { deltas: job, blob } = packRevision(revision(deltas), 'k');
    const refused = (value: Buffer, problem: RegExp) => {
      let err: unknown;
      try {
        unpackRevision(job, value);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidMessageError);
      expect((err as Error).message).toMatch(/revision 7 \(k\)/);
      expect((err as Error).message).toMatch(problem);
    };
    refused(blob.subarray(0, 2), /no header/);
    refused(blob.subarray(0, 20), /runs past the 20-byte value/);
    refused(Buffer.concat([blob.subarray(0, 4), Buffer.from('x'.repeat(blob.readUInt32BE(0)))]), /not JSON/);
    refused(withMeta({}), /not a list/);
    refused(withMeta([]), /0 deltas stashed, the job says 4/);
    const ok = JSON.parse(blob.toString('utf8', 4, 4 + blob.readUInt32BE(0)));
    const change = (i: number, field: number, value: unknown) =>
      withMeta(
        ok.map((d: unknown[], j: number) => (j === i ? d.map((v, f) => (f === field ? value : v)) : d)),
        blob.subarray(4 + blob.readUInt32BE(0)).toString(),
      );
    refused(withMeta([1, 2, 3, 4]), /delta 0 is not a 7-tuple/);
    refused(change(1, 1, 'modified'), /delta 1 \(b\): kind "modified" is none of/);
    refused(change(1, 1, 9), /kind 9/);
    refused(change(0, 2, [0, 7, 1, 0]), /delta 0 \(a\): the current version/);
    refused(change(1, 3, [5, 4, 2, 2, 0, 'h']), /delta 1 \(b\): the previous version/);
    refused(change(0, 4, { x: 1 }), /the tags are not a map of strings/);
    refused(change(2, 6, [0, 1e6]), /delta 2 \(c\): the previous document's range \[0,1000000\] lies outside/);
    refused(change(0, 5, [-1, 2]), /the current document's range is not \[offset, length\]/);
  });
});
