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
