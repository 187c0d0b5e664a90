import type { Delta } from '@elava/store';
import type { AnyResource } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { changeId, classify } from './classify.js';
import { PRICES } from './prices.js';

const id = 'aws:123456789012:us-east-1:ec2.instance:i-1';
function res(over: Record<string, unknown> = {}, attrs: Record<string, unknown> = {}): AnyResource {
  return {
    id,
    provider: 'aws',
    account: '123456789012',
    region: 'us-east-1',
    type: 'ec2.instance',
    native_id: 'i-1',
    name: 'web',
    status: 'running',
    tags: { Name: 'web', env: 'prod' },
    attributes: { instance_type: 't3.micro', state: 'running', security_group_ids: ['sg-1', 'sg-2'], ...attrs },
    ...over,
  } as AnyResource;
}
const meta = (main: number) => ({
  revision: { main, sub: 0 },
  created: 1,
  version: main,
  tombstone: false,
  content_hash: 'h',
  time: '2026-11-22T00:00:00.000Z',
});
const delta = (kind: Delta['kind']): Delta => ({
  id,
  kind,
  current: meta(2),
  previous: kind === 'added' ? null : meta(1),
});

const STORE = 'a1b2c3d4e5f6';

describe('classify', () => {
  it('splits a modification into tag drift, status, cost and the rest, each with its own diff', () => {
    const before = res();
    const after = res(
      { status: 'stopped', tags: { Name: 'web', env: 'dev' } },
      { instance_type: 't3.large', state: 'stopped' },
    );
    const changes = classify(STORE, delta('modified'), before, after);
    expect(changes.map((c) => c.type)).toEqual(['tag_drift', 'status_changed', 'cost_increase', 'modified']);
    expect(changes[0]?.diff).toEqual([{ path: 'tags.env', before: 'prod', after: 'dev' }]);
    expect(changes[1]?.diff.map((d) => d.path)).toEqual(['attributes.state', 'status']);
    const hourly = PRICES.ec2['us-east-1']!;
    expect(changes[2]?.monthly_cost_delta).toBeCloseTo((hourly['t3.large']! - hourly['t3.micro']!) * 730, 1);
    expect(changes[3]?.diff).toEqual([{ path: 'attributes.instance_type', before: 't3.micro', after: 't3.large' }]);
    expect(changes.every((c) => c.revision === 2 && c.previous_revision === 1)).toBe(true);
  });

  it('sees no change in a re-ordered list, and names appearances and disappearances', () => {
    expect(classify(STORE, delta('modified'), res(), res({}, { security_group_ids: ['sg-2', 'sg-1'] }))).toEqual([]);
    expect(classify(STORE, delta('added'), null, res()).map((c) => c.type)).toEqual(['appeared']);
    expect(classify(STORE, delta('tombstoned'), res(), null).map((c) => c.type)).toEqual(['disappeared']);
  });

  it('gives the same change the same id every time, and different kinds different ids', () => {
    expect(changeId(STORE, id, 2, 'modified')).toBe(changeId(STORE, id, 2, 'modified'));
    expect(changeId(STORE, id, 2, 'modified')).not.toBe(changeId(STORE, id, 2, 'tag_drift'));
    expect(changeId(STORE, id, 2, 'modified')).toMatch(/^chg_[0-9a-f]{24}$/);
  });

  it('prices an EC2 resize at the prices of the region the instance is in', () => {
    const cost = (region: string) => {
      const at = (type: string) =>
        res({ region, id: `aws:123456789012:${region}:ec2.instance:i-1` }, { instance_type: type });
      return classify(STORE, delta('modified'), at('t3.micro'), at('t3.large')).find((c) => c.type === 'cost_increase')
        ?.monthly_cost_delta;
    };
    const expected = (region: string) =>
      Math.round((PRICES.ec2[region]!['t3.large']! - PRICES.ec2[region]!['t3.micro']!) * 730 * 100) / 100;
    expect(cost('us-east-1')).toBe(expected('us-east-1'));
    expect(cost('eu-west-1')).toBe(expected('eu-west-1'));
    expect(expected('eu-west-1')).toBeGreaterThan(expected('us-east-1'));
    // A region the table does not have: no estimate.
    expect(cost('moon-east-1')).toBeUndefined();
  });

  it('gives no cost change when either price is unknown, never a guess', () => {
    const db = (cls: string, engine = 'postgres', storage = 20) =>
      ({
        ...res(),
        id: 'aws:123456789012:us-east-1:rds.instance:db-1',
        type: 'rds.instance',
        attributes: { instance_class: cls, engine, allocated_storage_gib: storage },
      }) as AnyResource;
    const changes = (a: AnyResource, b: AnyResource) => classify(STORE, delta('modified'), a, b);
    const types = (a: string, b: string) => changes(db(a), db(b)).map((c) => c.type);
    const up = changes(db('db.t3.micro'), db('db.m5.large')).find((c) => c.type === 'cost_increase');
    const pg = PRICES.rds['us-east-1']!.postgres!;
    expect(up?.monthly_cost_delta).toBe(Math.round((pg['db.m5.large']! - pg['db.t3.micro']!) * 730 * 100) / 100);
    // An unlisted class on either side (a downsize to it included): the class changed, nothing is
    // said about its cost.
    expect(types('db.x9.unlisted', 'db.t3.micro')).toEqual(['modified']);
    expect(types('db.m5.large', 'db.x9.unlisted')).toEqual(['modified']);
    expect(types('db.t3.micro', 'db.x9.unlisted')).toEqual(['modified']);
    // An engine the table does not price: no estimate from another engine's price.
    expect(changes(db('db.t3.micro', 'oracle-ee'), db('db.m5.large', 'oracle-ee')).map((c) => c.type)).toEqual([
      'modified',
    ]);
    // Storage has no price in the table: growing it alone is no cost change.
    expect(changes(db('db.t3.micro', 'postgres', 20), db('db.t3.micro', 'postgres', 500)).map((c) => c.type)).toEqual([
      'modified',
    ]);
  });

  it("never gives another store's change the same id (a new store counts revisions from 1 again)", () => {
    expect(changeId(STORE, id, 2, 'modified')).not.toBe(changeId('0123456789ab', id, 2, 'modified'));
    expect(classify(STORE, delta('added'), null, res())[0]?.store).toBe(STORE);
  });
});
