import { Store } from '@elava/store';
import { ACCOUNT, instance, scope, tempDir } from '@elava/store/testing';
import { type ChangeSummary, type Decision, packChanges } from '@elava/types';
import { afterEach, describe, expect, it } from 'vitest';
import { QueryError } from './params.js';
import { StoreReader } from './reader.js';

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function estate(n: number): Promise<{ store: Store; reader: StoreReader }> {
  const store = await Store.open(tempDir('elava-query-'));
  stores.push(store);
  await store.applyScan(
    's1',
    scope(),
    Array.from({ length: n }, (_, i) => instance(i)),
    { complete: true },
  );
  return { store, reader: new StoreReader(store) };
}

const ask = (r: StoreReader, name: Parameters<StoreReader['answer']>[0], p: Record<string, unknown> = {}) =>
  JSON.parse(r.answer(name, p));

function fails(fn: () => unknown, status: number, text: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(QueryError);
    expect((err as QueryError).status).toBe(status);
    expect((err as Error).message).toMatch(text);
    return;
  }
  throw new Error('expected a QueryError');
}

describe('StoreReader resources', () => {
  it('pages through a listing pinned to the first page revision, with documents as stored', async () => {
    const { store, reader } = await estate(25);
    const first = ask(reader, 'resources', { limit: '10' });
    expect(first.revision).toBe(1);
    expect(first.items).toHaveLength(10);
    expect(first.items[0]).toMatchObject({ id: instance(0).id, version: 1, resource: instance(0) });
    // A newer scan removes everything; the listing's later pages still show revision 1.
    await store.applyScan('s2', scope(), [], { complete: true });
    const ids: string[] = first.items.map((i: { id: string }) => i.id);
    for (let cursor = first.next_cursor; cursor; ) {
      const page = ask(reader, 'resources', { limit: '10', cursor });
      expect(page.revision).toBe(1);
      ids.push(...page.items.map((i: { id: string }) => i.id));
      cursor = page.next_cursor;
    }
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => instance(i).id).sort());
    expect(ask(reader, 'resources').items).toEqual([]);
    expect(ask(reader, 'resources', { at: '1', type: 'ec2.instance', tag: 'Name=web-3' }).items).toHaveLength(1);
  });

  it('stops a page at the byte budget and goes on from there', async () => {
    const { store } = await estate(30);
    const reader = new StoreReader(store, 2_000);
    const first = ask(reader, 'resources', { limit: '1000' });
    expect(first.items.length).toBeGreaterThan(0);
    expect(first.items.length).toBeLessThan(30);
    const second = ask(reader, 'resources', { cursor: first.next_cursor });
    expect(second.items[0].id > first.items.at(-1).id).toBe(true);
  });

  it('refuses bad parameters with a message naming each, and a forged cursor', async () => {
    const { reader } = await estate(1);
    fails(() => reader.answer('resources', { at: 'yesterday' }), 400, /at: cannot read "yesterday"/);
    fails(() => reader.answer('resources', { type: 'ec2.banana' }), 400, /type: unknown resource type/);
    fails(() => reader.answer('resources', { limit: '0' }), 400, /limit: expected at least 1/);
    fails(() => reader.answer('resources', { colour: 'red' }), 400, /unknown parameter "colour"/);
    fails(() => reader.answer('resources', { cursor: 'bm9wZQ' }), 400, /cursor: not a cursor/);
    fails(() => reader.answer('resources', { at: '99' }), 400, /revision 99 is in the future/);
    fails(() => reader.answer('history', { id: 'i-123' }), 400, /id: expected a canonical id/);
    fails(() => reader.answer('history', { id: `aws:${ACCOUNT}:us-east-1:ec2.instance:i-none` }), 404, /no versions/);
  });

  it('answers one resource at a time, and 410 for a compacted revision', async () => {
    const { store, reader } = await estate(2);
    await store.applyScan('s2', scope(), [instance(0, { state: 'stopped' }), instance(1)], { complete: true });
    expect(ask(reader, 'resource', { id: instance(0).id, at: '1' }).item.resource.status).toBe('running');
    expect(ask(reader, 'resource', { id: instance(0).id }).item.resource.status).toBe('stopped');
    const h = ask(reader, 'history', { id: instance(0).id });
    expect(h.items.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(h.items[1].diff).toContainEqual({ path: 'status', before: 'running', after: 'stopped' });
    await store.compact(2);
    fails(() => reader.answer('resources', { at: '1' }), 410, /compacted/);
  });
});

describe('StoreReader trail listings', () => {
  const change = (n: number, revision: number, type: ChangeSummary['type']): ChangeSummary => ({
    id: `c${n}`,
    store: 'a1b2c3d4e5f6',
    type,
    resource_id: instance(n).id,
    revision,
    previous_revision: revision - 1,
    time: new Date().toISOString(),
    diff: [],
    severity: 'info',
  });

  it('lists changes from changes_detected entries by revision, type and resource, across pages', async () => {
    const { store, reader } = await estate(3);
    await store.appendAudit({
      type: 'changes_detected',
      resource_id: '',
      revision: 1,
      // As the detector writes a revision's changes (packed), with an item no reader can use.
      data: ((p) => ({ ...p, changes: [...p.changes, { junk: true }] }))(
        packChanges([change(0, 1, 'appeared'), change(1, 1, 'appeared')]),
      ),
    });
    await store.appendAudit({ type: 'scan_started', resource_id: '', data: {} });
    await store.applyScan('s2', scope(), [instance(0, { tags: { a: 'b' } }), instance(1), instance(2)], {
      complete: true,
    });
    await store.appendAudit({
      type: 'changes_detected',
      resource_id: '',
      revision: 2,
      data: { changes: [change(0, 2, 'tag_drift')] },
    });
    const all = ask(reader, 'changes', { since: '0' });
    expect(all.items.map((c: ChangeSummary) => c.id)).toEqual(['c0', 'c1', 'c0']);
    expect(ask(reader, 'changes', { since: '1' }).items.map((c: ChangeSummary) => c.type)).toEqual(['tag_drift']);
    expect(ask(reader, 'changes', { since: '0', type: 'appeared', resource: instance(1).id }).items).toHaveLength(1);
    expect(ask(reader, 'changes', { since: '0', type: 'ec2.volume' }).items).toHaveLength(0);
    const p1 = ask(reader, 'changes', { since: '0', limit: '1' });
    const p2 = ask(reader, 'changes', { since: '0', limit: '1', cursor: p1.next_cursor });
    const p3 = ask(reader, 'changes', { since: '0', limit: '1', cursor: p2.next_cursor });
    expect([p1, p2, p3].map((p) => p.items[0].id)).toEqual(['c0', 'c1', 'c0']);
    expect(p3.next_cursor).toBeNull();
    fails(() => reader.answer('changes', { type: 'vanished' }), 400, /unknown type/);
  });

  it('lists decisions by action and severity, and the audit trail by entry type', async () => {
    const { store, reader } = await estate(1);
    const decision = (id: string, action: Decision['action'], severity: Decision['severity']): Decision => ({
      id,
      store: 'a1b2c3d4e5f6',
      action,
      severity,
      resource: { id: instance(0).id, type: 'ec2.instance', account: ACCOUNT, region: 'us-east-1', tags: {} },
      reason: 'r',
      revision: 1,
      time: new Date().toISOString(),
      metadata: {},
    });
    for (const d of [decision('d1', 'notify', 'info'), decision('d2', 'alert', 'critical')])
      await store.appendAudit({ type: 'decided', resource_id: d.resource.id, revision: 1, data: { decision: d } });
    expect(ask(reader, 'decisions').items.map((d: Decision) => d.id)).toEqual(['d1', 'd2']);
    expect(ask(reader, 'decisions', { severity: 'critical' }).items.map((d: Decision) => d.id)).toEqual(['d2']);
    expect(ask(reader, 'decisions', { action: 'notify', resource: instance(0).id }).items).toHaveLength(1);
    expect(ask(reader, 'audit', { type: 'decided' }).items.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
    expect(ask(reader, 'audit', { resource: instance(0).id, type: 'decided,observed' }).items).toHaveLength(2);
    fails(() => reader.answer('audit', { type: 'decided,guessed' }), 400, /unknown audit entry type/);
    expect(ask(reader, 'verify')).toMatchObject({ ok: true, entries: 2 });
    expect(ask(reader, 'status')).toMatchObject({ revision: 1, stats: { resources: 1 } });
  });

  it('explains a decision: observed revision, change and diff, decision, and every step taken on it', async () => {
    const { store, reader } = await estate(1);
    await store.applyScan('s2', scope(), [instance(0, { tags: { team: 'b' } })], { complete: true });
    const drift = { ...change(0, 2, 'tag_drift'), id: 'c0-drift', diff: [{ path: 'tags.team', after: 'b' }] };
    await store.appendAudit({
      type: 'changes_detected',
      resource_id: '',
      revision: 2,
      key: 'changes-rev-2',
      data: { changes: [change(0, 1, 'appeared'), drift] },
    });
    const d: Decision = {
      id: 'dec1',
      store: 'a1b2c3d4e5f6',
      action: 'enforce_policy',
      severity: 'warning',
      resource: { id: instance(0).id, type: 'ec2.instance', account: ACCOUNT, region: 'us-east-1', tags: {} },
      reason: 'tags drifted',
      change: { id: drift.id, type: 'tag_drift' },
      revision: 2,
      time: new Date().toISOString(),
      metadata: {},
    };
    await store.appendAudit({
      type: 'decided',
      resource_id: d.resource.id,
      revision: 2,
      key: 'decided-dec1',
      data: { decision: d },
    });
    for (const [type, id] of [
      ['executing', 'dec1'],
      ['executed', 'other'],
      ['executed', 'dec1'],
    ] as const)
      await store.appendAudit({ type, resource_id: d.resource.id, revision: 2, data: { decision_id: id } });

    const why = ask(reader, 'why', { id: 'dec1' });
    expect(why.decision.id).toBe('dec1');
    expect(why.observation).toMatchObject({ revision: 2 });
    expect(why.change).toMatchObject({
      type: 'tag_drift',
      diff: [{ path: 'tags.team', after: 'b' }],
      recorded: { seq: 1 },
    });
    expect(why.outcomes.map((o: { type: string }) => o.type)).toEqual(['executing', 'executed']);
    fails(() => reader.answer('why', { id: 'nope' }), 404, /no decision nope is recorded/);
    fails(() => reader.answer('why', { id: 'a b' }), 400, /expected a decision id/);
  });
});

describe('StoreReader deltas', () => {
  it("gives a revision's deltas with both documents, in pages under the budget, and refuses what it cannot", async () => {
    const { store } = await estate(30);
    await store.applyScan('s2', scope(), [instance(3, { state: 'stopped' })]);
    const small = new StoreReader(store, 8 * 1024);
    const items: { id: string; kind: string; current_json?: string; previous_json?: string }[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = ask(small, 'deltas', { revision: '1', ...(cursor ? { cursor } : {}) });
      expect(page).toMatchObject({ store: store.id, revision: 1, count: 30 });
      items.push(...page.items);
      cursor = page.next_cursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThan(1);
    expect(items.map((d) => d.id)).toEqual(Array.from({ length: 30 }, (_, i) => instance(i).id));
    expect(JSON.parse(items[3]?.current_json as string)).toEqual(instance(3));
    const changed = ask(small, 'deltas', { revision: 2 });
    expect(changed.items).toHaveLength(1);
    expect(changed.items[0]).toMatchObject({ id: instance(3).id, kind: 'modified' });
    expect(JSON.parse(changed.items[0].previous_json)).toEqual(instance(3));
    expect(JSON.parse(changed.items[0].current_json)).toEqual(instance(3, { state: 'stopped' }));
    fails(() => small.answer('deltas', { revision: 3 }), 400, /revision 3 is in the future/);
    fails(() => small.answer('deltas', { revision: 'x' }), 400, /revision: expected a revision number/);
    await store.compact(2);
    fails(() => small.answer('deltas', { revision: 1 }), 410, /compacted/);
  });
});
