import { Store } from '@elava/store';
import { ACCOUNT, instance, scope, tempDir } from '@elava/store/testing';
import type { ChangeSummary, Decision } from '@elava/types';
import { afterEach, describe, expect, it } from 'vitest';
import { QueryError } from './params.js';
import { StoreReader } from './reader.js';

/** The queries the web UI added: `stats`, `compare`, and the changes listing's place and tag filters. */

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function open(): Promise<{ store: Store; reader: StoreReader }> {
  const store = await Store.open(tempDir('elava-ui-query-'));
  stores.push(store);
  return { store, reader: new StoreReader(store) };
}

const ask = (r: StoreReader, name: Parameters<StoreReader['answer']>[0], p: Record<string, unknown> = {}) =>
  JSON.parse(r.answer(name, p));

const finding = (id: string, n: number, severity: Decision['severity'], pkg: string, revision: number): Decision => ({
  id,
  store: 'a1b2c3d4e5f6',
  action: 'notify',
  severity,
  resource: { id: instance(n).id, type: 'ec2.instance', account: ACCOUNT, region: 'us-east-1', tags: {} },
  reason: 'r',
  policy: { package: pkg, rule: 'deny' },
  revision,
  time: new Date().toISOString(),
  metadata: {},
});

describe('stats', () => {
  it('counts the live estate by type, account and region, and keeps counting as scans add and remove', async () => {
    const { store, reader } = await open();
    await store.applyScan('s1', scope(), [instance(1), instance(2), instance(3)], { complete: true });
    await store.applyScan('s2', scope('ec2.instance', 'eu-west-1'), [instance(4, { region: 'eu-west-1' })], {
      complete: true,
    });
    const first = ask(reader, 'stats');
    expect(first).toMatchObject({
      revision: 2,
      resources: 4,
      by_type: { 'ec2.instance': 4 },
      by_account: { [ACCOUNT]: 4 },
      by_region: { 'eu-west-1': 1, 'us-east-1': 3 },
    });
    // Instance 1 goes, 2 changes, 5 appears: counted from what was written since, not re-read.
    await store.applyScan('s3', scope(), [instance(2, { state: 'stopped' }), instance(3), instance(5)], {
      complete: true,
    });
    const next = ask(reader, 'stats');
    expect(next).toMatchObject({ revision: 3, resources: 4, by_region: { 'eu-west-1': 1, 'us-east-1': 3 } });
    // Versions per hour: 4 added, then 1 added, 1 modified, 1 removed, all in this hour.
    expect(next.changes_per_hour).toHaveLength(24);
    const thisHour = next.changes_per_hour.at(-1);
    expect(thisHour).toEqual({ hour: thisHour.hour, added: 5, modified: 1, removed: 1 });
    expect(next.changes_per_hour.slice(0, -1).every((h: { added: number }) => h.added === 0)).toBe(true);
    await store.applyScan('s4', scope('ec2.instance', 'eu-west-1'), [], { complete: true });
    expect(ask(reader, 'stats', { hours: '2' })).toMatchObject({ resources: 3, by_region: { 'us-east-1': 3 } });
    expect(ask(reader, 'stats', { hours: '2' }).by_region).not.toHaveProperty('eu-west-1');
  });

  it('counts open findings by severity: the latest per resource and package, none on a resource gone', async () => {
    const { store, reader } = await open();
    await store.applyScan('s1', scope(), [instance(1), instance(2)], { complete: true });
    const decide = (d: Decision) =>
      store.appendAudit({ type: 'decided', resource_id: d.resource.id, revision: d.revision, data: { decision: d } });
    await decide(finding('d1', 1, 'critical', 'elava.security', 1));
    await decide(finding('d2', 1, 'warning', 'elava.tags', 1));
    await decide(finding('d3', 2, 'warning', 'elava.tags', 1));
    // A change decision is no finding.
    await decide({ ...finding('d4', 2, 'critical', 'x', 1), policy: undefined, change: { id: 'c', type: 'modified' } });
    expect(ask(reader, 'stats').findings).toEqual({ critical: 1, warning: 2, info: 0 });
    // Re-decided at a lower severity: the latest counts.
    await decide(finding('d5', 1, 'info', 'elava.security', 1));
    expect(ask(reader, 'stats').findings).toEqual({ critical: 0, warning: 2, info: 1 });
    // Instance 2 disappears; its finding is no longer open, even one written after the tombstone.
    await store.applyScan('s2', scope(), [instance(1)], { complete: true });
    await decide(finding('d6', 2, 'critical', 'elava.security', 1));
    expect(ask(reader, 'stats').findings).toEqual({ critical: 0, warning: 1, info: 1 });
  });

  it('refuses a window outside 1..168 hours', async () => {
    const { reader } = await open();
    expect(() => reader.answer('stats', { hours: '0' })).toThrow(/hours: expected at least 1/);
    expect(() => reader.answer('stats', { hours: '500' })).toThrow(/at most 168/);
  });
});

describe('compare', () => {
  it('diffs one resource between any two revisions, skipping the versions between', async () => {
    const { store, reader } = await open();
    await store.applyScan('s1', scope(), [instance(1)], { complete: true });
    await store.applyScan('s2', scope(), [instance(1, { state: 'stopped' })], { complete: true });
    await store.applyScan('s3', scope(), [instance(1, { state: 'stopped', tags: { Name: 'web-1', team: 'a' } })], {
      complete: true,
    });
    const c = ask(reader, 'compare', { id: instance(1).id, from: '1', to: '3' });
    expect(c.from).toMatchObject({ revision: 1, version: { version: 1 } });
    expect(c.to).toMatchObject({ revision: 3, version: { version: 3 } });
    expect(c.diff).toEqual([
      { path: 'attributes.state', before: 'running', after: 'stopped' },
      { path: 'status', before: 'running', after: 'stopped' },
      { path: 'tags.team', after: 'a' },
    ]);
    await store.applyScan('s4', scope(), [], { complete: true });
    const gone = ask(reader, 'compare', { id: instance(1).id, from: '3', to: '4' });
    expect(gone.to.version).toBeNull();
    expect(gone.diff.length).toBeGreaterThan(0);
    expect(() => reader.answer('compare', { id: instance(9).id, from: '1', to: '2' })).toThrow(QueryError);
    expect(() => reader.answer('compare', { id: instance(1).id, to: '2' })).toThrow(/from: required/);
  });
});

describe('changes filtered by kind, place and tag', () => {
  it('matches a tag on the version each change made, and a disappearance on the version before', async () => {
    const { store, reader } = await open();
    const change = (n: number, revision: number, type: ChangeSummary['type'], region = 'us-east-1') => ({
      id: `c${n}-${revision}`,
      store: 'a1b2c3d4e5f6',
      type,
      resource_id: instance(n, { region }).id,
      revision,
      previous_revision: revision === 1 ? null : revision - 1,
      time: new Date().toISOString(),
      diff: [],
      severity: 'info',
    });
    await store.applyScan('s1', scope(), [instance(1, { tags: { team: 'a' } }), instance(2)], { complete: true });
    await store.applyScan('s2', scope('ec2.instance', 'eu-west-1'), [instance(3, { region: 'eu-west-1' })], {
      complete: true,
    });
    await store.applyScan('s3', scope(), [instance(2, { tags: { team: 'a' } })], { complete: true });
    await store.appendAudit({
      type: 'changes_detected',
      resource_id: '',
      revision: 3,
      data: {
        changes: [
          change(1, 1, 'appeared'),
          change(2, 1, 'appeared'),
          change(3, 2, 'appeared', 'eu-west-1'),
          change(1, 3, 'disappeared'),
          change(2, 3, 'tag_drift'),
        ],
      },
    });
    const ids = (p: Record<string, string>) =>
      ask(reader, 'changes', { since: '0', ...p }).items.map((c: ChangeSummary) => c.id);
    expect(ids({ tag: 'team=a' })).toEqual(['c1-1', 'c1-3', 'c2-3']);
    expect(ids({ tag: 'team', kind: 'tag_drift' })).toEqual(['c2-3']);
    expect(ids({ region: 'eu-west-1' })).toEqual(['c3-2']);
    expect(ids({ type: 'ec2.instance', kind: 'disappeared', account: ACCOUNT })).toEqual(['c1-3']);
    expect(ids({ account: '999999999999' })).toEqual([]);
    expect(() => reader.answer('changes', { kind: 'ec2.instance' })).toThrow(/kind: unknown change type/);
  });
});
