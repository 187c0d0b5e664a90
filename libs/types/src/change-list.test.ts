import { describe, expect, it } from 'vitest';
import type { Actor } from './actor.js';
import type { ChangeSummary } from './change.js';
import { packChanges, unpackChanges } from './change-list.js';

const base: Pick<ChangeSummary, 'store' | 'revision' | 'previous_revision' | 'time' | 'diff' | 'severity'> = {
  store: 'st_1',
  revision: 9,
  previous_revision: null,
  time: '2026-12-03T06:00:00.000Z',
  diff: [],
  severity: 'info',
};

const appeared = (n: number): ChangeSummary => ({
  ...base,
  id: `chg_${n}`,
  type: 'appeared',
  resource_id: `aws:1:r:ec2.vpc:vpc-${n}`,
  baseline: true,
});

describe('packChanges / unpackChanges', () => {
  it("gives a first scan's appearances their common fields once, and gets them back whole", () => {
    const list = Array.from({ length: 20 }, (_, n) => appeared(n));
    const packed = packChanges(list);
    expect(packed.shared).toEqual({ ...base, type: 'appeared', baseline: true });
    expect(packed.changes).toEqual(list.map((c) => ({ id: c.id, resource_id: c.resource_id })));
    expect(JSON.stringify(packed).length).toBeLessThan(JSON.stringify(list).length / 2);
    expect(unpackChanges(JSON.parse(JSON.stringify(packed)))).toEqual(list);
  });

  it('keeps per change what differs, and a diff with each change when any change has one', () => {
    const drift: ChangeSummary = {
      ...base,
      id: 'chg_d',
      type: 'tag_drift',
      resource_id: 'aws:1:r:ec2.vpc:vpc-9',
      previous_revision: 4,
      severity: 'warning',
      diff: [{ path: 'tags.env', before: 'a', after: 'b' }],
    };
    const list = [appeared(1), drift];
    const packed = packChanges(list);
    expect(packed.shared).toEqual({ store: 'st_1', revision: 9, time: base.time });
    expect(packed.changes[1]).toMatchObject({ type: 'tag_drift', previous_revision: 4, diff: drift.diff });
    // Each change's own keys in sorted order (the trail's canonical form), whatever order it came in.
    const own = (c: object) => Object.keys(c);
    expect(packed.changes.map(own)).toEqual(packed.changes.map((c) => own(c).sort()));
    expect(unpackChanges({ ...packed })).toEqual(list);
  });

  it('sorts each shape of change, when shapes alternate too', () => {
    const actor: Actor = {
      principal_arn: 'arn:aws:iam::1:user/alice',
      principal_type: 'IAMUser',
      event_name: 'CreateVpc',
      event_time: base.time,
      via: 'event',
    };
    const list = Array.from({ length: 6 }, (_, n) => (n % 2 ? { actor, ...appeared(n) } : appeared(n)));
    const packed = packChanges(list);
    expect(packed.changes.map((c) => Object.keys(c))).toEqual(
      list.map((_, n) => (n % 2 ? ['actor', 'id', 'resource_id'] : ['id', 'resource_id'])),
    );
    expect(unpackChanges({ ...packed })).toEqual(list);
  });

  it('leaves a single change as it is, and reads entries written before packing', () => {
    expect(packChanges([appeared(1)])).toEqual({ changes: [appeared(1)] });
    expect(unpackChanges({ changes: [appeared(1)] })).toEqual([appeared(1)]);
    expect(unpackChanges({ withdrawn: [] })).toEqual([]);
    expect(unpackChanges({ changes: [appeared(1)], shared: 'not an object' })).toEqual([appeared(1)]);
  });
});
