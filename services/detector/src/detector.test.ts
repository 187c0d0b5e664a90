import { createLogger } from '@elava/log';
import {
  CHANGE_TYPES,
  type Delta,
  type PolicyRequest,
  type PublishedChange,
  type RevisionDeltas,
  storeKeys,
} from '@elava/types';
import { describe, expect, it } from 'vitest';
import { Detector, type DetectorOutputs } from './detector.js';

// The outputs are the detector's ports; recording them is the whole point of this unit test.
function recordingOutputs() {
  const published: PublishedChange[] = [];
  const evaluated: PolicyRequest[] = [];
  const out: DetectorOutputs = {
    publish: async (changes) => void published.push(...changes),
    audit: async () => {},
    evaluate: async (r) => void evaluated.push(r),
    holdDisappearance: async () => {},
    stillGone: async () => true,
  };
  return { out, published, evaluated };
}

const meta = (revision: number) => ({
  revision: { main: revision, sub: 0 },
  created: revision,
  version: 1,
  tombstone: false,
  content_hash: `h${revision}`,
  time: '2026-12-03T06:00:00.000Z',
});

const doc = (id: string, env: string) =>
  JSON.stringify({ id, type: 'ec2.vpc', account: '1', region: 'r', native_id: id, tags: { env } });

function added(id: string): Delta {
  return { id, kind: 'added', current: meta(5), previous: null, current_json: doc(id, 'a') };
}

function modified(id: string): Delta {
  return {
    id,
    kind: 'modified',
    current: meta(5),
    previous: meta(4),
    current_json: doc(id, 'b'),
    previous_json: doc(id, 'a'),
  };
}

function revision(deltas: Delta[], o: Partial<RevisionDeltas> = {}): RevisionDeltas {
  return {
    store: 'st_1',
    revision: 5,
    time: '2026-12-03T06:00:00.000Z',
    scope: { account: '1', region: 'r', type: 'ec2.vpc' },
    scan_id: 'scan-1',
    deltas,
    ...o,
  };
}

const detector = (out: DetectorOutputs) =>
  new Detector(
    {
      track: [...CHANGE_TYPES],
      alertOn: Object.fromEntries(CHANGE_TYPES.map((t) => [t, 'info'])) as never,
      graceMs: 0,
    },
    out,
    createLogger({ service: 'test', level: 'silent' }),
  );

describe('Detector: what goes to policy evaluation', () => {
  it("publishes a sweep's baseline appearances but leaves judging them to the scope's completion", async () => {
    const r = recordingOutputs();
    await detector(r.out).handle(
      revision([added('aws:1:r:ec2.vpc:vpc-1'), added('aws:1:r:ec2.vpc:vpc-2')], { baseline: true }),
    );
    expect(r.published.map((c) => c.type)).toEqual(['appeared', 'appeared']);
    expect(r.published.every((c) => c.baseline)).toBe(true);
    expect(r.evaluated).toEqual([]);
  });

  it('sends the rest of a baseline revision (a re-read before the first complete scan) to evaluation', async () => {
    const r = recordingOutputs();
    await detector(r.out).handle(
      revision([added('aws:1:r:ec2.vpc:vpc-1'), modified('aws:1:r:ec2.vpc:vpc-2')], { baseline: true }),
    );
    expect(r.published.map((c) => c.type).sort()).toEqual(['appeared', 'tag_drift']);
    expect(r.evaluated.flatMap((q) => (q.kind === 'scope' ? [] : q.changes.map((c) => c.type)))).toEqual(['tag_drift']);
  });

  it("judges a filtered scope's baseline appearances here: its completion asks for no scope evaluation", async () => {
    const r = recordingOutputs();
    const scope = { account: '1', region: 'r', type: 'ec2.vpc' as const, filter: { tags: { env: ['a'] } } };
    await detector(r.out).handle(revision([added('aws:1:r:ec2.vpc:vpc-1')], { baseline: true, scope }));
    expect(r.evaluated).toHaveLength(1);
    expect(r.evaluated[0]?.kind === 'scope' ? [] : r.evaluated[0]?.changes.map((c) => c.type)).toEqual(['appeared']);
  });

  it('sends appearances after the baseline to evaluation with the revision key', async () => {
    const r = recordingOutputs();
    await detector(r.out).handle(revision([added('aws:1:r:ec2.vpc:vpc-1')]));
    expect(r.evaluated).toHaveLength(1);
    expect(r.evaluated[0]?.key).toBe(storeKeys.revision('st_1', 5));
  });
});

describe('Detector: appearances the recorder gave the tags of', () => {
  const untaggedSettings = (out: DetectorOutputs) =>
    new Detector(
      {
        track: [...CHANGE_TYPES],
        alertOn: { ...Object.fromEntries(CHANGE_TYPES.map((t) => [t, 'info'])), new_untagged: 'warning' } as never,
        graceMs: 0,
      },
      out,
      createLogger({ service: 'test', level: 'silent' }),
    );

  it('judges them by the tags given, publishes the recorded text, and parses the document only when read', async () => {
    const texts: string[] = [];
    const r = recordingOutputs();
    const out = { ...r.out, publish: async (_c: PublishedChange[], t?: string[]) => void texts.push(...(t ?? [])) };
    const tagged = { ...added('aws:1:r:ec2.vpc:vpc-1'), current_tags: { env: 'a' } };
    // The delta says it has only AWS's own tags, whatever the document says: the tags decide.
    const bare = { ...added('aws:1:r:ec2.vpc:vpc-2'), current_tags: { 'aws:cloudformation:stack-name': 's' } };
    const published = await untaggedSettings(out).handle(revision([tagged, bare], { baseline: true }));
    expect(published.map((c) => c.severity)).toEqual(['info', 'warning']);
    expect(texts.map((t) => JSON.parse(t).current)).toEqual([
      JSON.parse(tagged.current_json as string),
      JSON.parse(bare.current_json as string),
    ]);
    expect(texts[0]).toContain(`"current":${tagged.current_json}`);
    // Read, the document is there as if parsed at once; and it serializes (a policy request carries it).
    expect(published[0]?.current).toEqual(JSON.parse(tagged.current_json as string));
    expect(JSON.parse(JSON.stringify(published[1])).current.id).toBe('aws:1:r:ec2.vpc:vpc-2');
  });

  it('parses the document as before when the delta has no tags (a retried page, read back from disk)', async () => {
    const r = recordingOutputs();
    const untagged = {
      ...added('aws:1:r:ec2.vpc:vpc-3'),
      current_json: JSON.stringify({ id: 'aws:1:r:ec2.vpc:vpc-3', type: 'ec2.vpc', tags: {} }),
    };
    const published = await untaggedSettings(r.out).handle(revision([added('aws:1:r:ec2.vpc:vpc-1'), untagged]));
    expect(published.map((c) => c.severity)).toEqual(['info', 'warning']);
    expect(Object.getOwnPropertyDescriptor(published[0], 'current')?.value).toMatchObject({ tags: { env: 'a' } });
  });
});
