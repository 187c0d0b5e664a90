import type { Delta, ObservationPage, RevisionDeltas } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { packDocuments, packPage, unpackDocuments, unpackPage } from './document-stash.js';

const meta = { revision: { main: 3, sub: 0 }, created: 3, version: 1, tombstone: false, content_hash: 'h', time: 't' };
const revision = (deltas: Delta[]): RevisionDeltas => ({
  store: 'st_1',
  revision: 3,
  time: 't',
  scope: { account: '1', region: 'r', type: 'ec2.vpc' },
  scan_id: 's',
  deltas,
});

describe('packDocuments / unpackDocuments', () => {
  const deltas: Delta[] = [
    { id: 'a', kind: 'added', current: meta, previous: null, current_json: '{"n":"café ☕"}', current_tags: {} },
    { id: 'b', kind: 'modified', current: meta, previous: meta, current_json: '{"v":2}', previous_json: '{"v":1}' },
    { id: 'c', kind: 'tombstoned', current: meta, previous: meta, previous_json: '{"v":9}' },
  ];

  it('moves every document out of the job into one value, and gives the deltas back as they were', () => {
    const { deltas: job, blob } = packDocuments(revision(deltas), 'elava:documents:x');
    expect(job.documents).toBe('elava:documents:x');
    expect(JSON.stringify(job)).not.toContain('"v"');
    expect(job.deltas[0]?.current_at).toEqual([0, Buffer.byteLength('{"n":"café ☕"}')]);
    expect(blob?.toString()).toBe('{"n":"café ☕"}{"v":2}{"v":1}{"v":9}');
    // Through the queue's JSON and back.
    const back = unpackDocuments(JSON.parse(JSON.stringify(job)), blob as Buffer);
    expect(back).toEqual(revision(deltas));
  });

  it('leaves a revision without documents as it is', () => {
    const gone: Delta[] = [{ id: 'c', kind: 'tombstoned', current: meta, previous: null }];
    expect(packDocuments(revision(gone), 'k')).toEqual({ deltas: revision(gone), blob: null });
  });

  it('refuses a range outside the stash, naming the revision', () => {
    const { deltas: job, blob } = packDocuments(revision(deltas), 'k');
    expect(() => unpackDocuments(job, (blob as Buffer).subarray(0, 10))).toThrow(
      /revision 3: .* outside its 10-byte stash/,
    );
  });
});

describe('packPage / unpackPage', () => {
  const page: ObservationPage = {
    scan_id: 's',
    page_id: 's@1#0',
    page: 0,
    attempt: 1,
    scope: { account: '1', region: 'r', type: 'ec2.vpc' },
    observed_at: '2026-12-03T06:00:00.000Z',
    resources: [
      { id: 'a', json: '{"id":"a","n":"é"}', tags: { Name: 'a' }, hash: 'h'.repeat(28) },
      { id: 'b', json: '{"id":"b"}', tags: {}, hash: 'h'.repeat(28) },
    ],
  };

  it("moves a page's documents beside it and back", () => {
    const { page: queued, blob } = packPage(page, 'k');
    expect(queued.documents).toBe('k');
    expect(JSON.stringify(queued)).not.toContain('"json"');
    // Each keeps where its document lies, for the detector to read from the same value.
    expect(unpackPage(JSON.parse(JSON.stringify(queued)), blob as Buffer)).toEqual({
      ...page,
      resources: [
        { ...page.resources[0], json_at: [0, Buffer.byteLength('{"id":"a","n":"é"}')] },
        { ...page.resources[1], json_at: [19, 10] },
      ],
      documents: 'k',
    });
  });

  it('leaves a resource whose range is not in the stash without a document, for the schema to name', () => {
    const { page: queued, blob } = packPage(page, 'k');
    const back = unpackPage(queued, (blob as Buffer).subarray(0, 5));
    expect(back.resources.map((r) => 'json' in r)).toEqual([false, false]);
  });
});
