import { StoreReader } from '@elava/query';
import { Recorder, WalPublisher } from '@elava/recorder';
import { encodeResource, Store } from '@elava/store';
import type { Actor, AnyResource, ObservationPage, RevisionDeltas } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { ACCOUNT } from '../support/cloudtrail.js';
import { silentLog, tempDirFor } from '../support/infra.js';
import { useStage } from '../support/stage.js';

/**
 * The recorder's side of a targeted re-read, page by page with times chosen by the test: a
 * partial observation upserts its ids and tombstones nothing else; a confirmed-gone id is
 * tombstoned; who made each version is in the deltas and the trail; and a sweep that read the
 * scope before a re-read, recorded after it, neither rolls it back nor tombstones what it found.
 */

const scope = { account: ACCOUNT, region: 'us-east-1', type: 'ec2.volume' as const };
const vol = (n: string, tags: Record<string, string> = {}): AnyResource =>
  ({
    id: `aws:${ACCOUNT}:us-east-1:ec2.volume:${n}`,
    provider: 'aws',
    account: ACCOUNT,
    region: 'us-east-1',
    type: 'ec2.volume',
    native_id: n,
    name: '',
    status: 'available',
    tags,
    attributes: { arn: `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/${n}`, size_gib: 8, volume_type: 'gp3' },
  }) as unknown as AnyResource;
const actor = (who: string): Actor => ({
  principal_arn: `arn:aws:iam::${ACCOUNT}:user/${who}`,
  principal_type: 'IAMUser',
  event_name: 'CreateTags',
  event_time: '2026-12-01T10:00:00.000Z',
  via: 'event',
});
const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, s)).toISOString();

function sweepPage(
  scan: string,
  page: number,
  observed: number,
  rs: AnyResource[],
  final?: { started: number; seen: string[] },
): ObservationPage {
  return {
    scan_id: scan,
    page_id: `${scan}@1#${page}`,
    page,
    attempt: 1,
    scope,
    observed_at: at(observed),
    resources: rs.map((r) => encodeResource(r)),
    ...(final
      ? {
          final: {
            status: 'complete',
            count: final.seen.length,
            pages: page + 1,
            seen: final.seen,
            started_at: at(final.started),
          },
        }
      : {}),
  };
}

function reread(
  scan: string,
  observed: number,
  rs: AnyResource[],
  o: { ids?: string[]; gone?: string[]; who?: string } = {},
): ObservationPage {
  const ids = o.ids ?? rs.map((r) => r.id);
  return {
    scan_id: scan,
    page_id: `${scan}@1#0`,
    page: 0,
    attempt: 1,
    scope,
    observed_at: at(observed),
    resources: rs.map((r) => encodeResource(r)),
    partial: { ids, gone: o.gone ?? [] },
    ...(o.who ? { actors: Object.fromEntries(ids.map((id) => [id, actor(o.who as string)])) } : {}),
  };
}

describe('partial observations in the recorder', () => {
  const stage = useStage(async () => {});

  async function recorder() {
    const store = await Store.open(tempDirFor('elava-partial-'));
    stage.defer(() => store.close());
    const handed: RevisionDeltas[] = [];
    const r = new Recorder(
      store,
      new WalPublisher(stage.nc, store, silentLog),
      { send: async (d) => void handed.push(d) },
      silentLog,
    );
    return { store, r, handed };
  }

  it('upserts only its ids, tombstones only what a read confirmed gone, and names who made each version', async () => {
    const { store, r, handed } = await recorder();
    const [a, b, c] = [vol('vol-a'), vol('vol-b'), vol('vol-c')];
    // Before any complete sweep, a confirmed-gone id is left to the sweep.
    await r.recordPage(reread('ev-0', 1, [a], { who: 'early' }));
    await r.recordPage(reread('ev-0b', 2, [], { ids: [a.id], gone: [a.id] }));
    expect(store.get(a.id)).not.toBeNull();
    await r.recordPage(sweepPage('s1', 0, 3, [a, b, c], { started: 3, seen: [a.id, b.id, c.id] }));
    handed.length = 0;

    await r.recordPage(reread('ev-1', 10, [vol('vol-a', { owner: 'x' })], { who: 'alice' }));
    expect(handed).toHaveLength(1);
    expect(handed[0]?.deltas.map((d) => [d.id, d.kind])).toEqual([[a.id, 'modified']]);
    expect(handed[0]?.actors?.[a.id]?.principal_arn).toBe(`arn:aws:iam::${ACCOUNT}:user/alice`);
    expect(store.get(b.id)).not.toBeNull();
    expect(store.get(c.id)).not.toBeNull();

    // The same page again (a redelivery) writes nothing new: no second version, no second attribution.
    const entries = store.audit({ types: ['attributed'] }).length;
    await r.recordPage(reread('ev-1', 10, [vol('vol-a', { owner: 'x' })], { who: 'alice' }));
    expect(store.audit({ types: ['attributed'] }).length).toBe(entries);
    // A replay re-reads an unchanged resource: no version, no delta, no attribution.
    const revision = store.revision;
    handed.length = 0;
    await r.recordPage(reread('ev-1-replay', 11, [vol('vol-a', { owner: 'x' })], { who: 'alice' }));
    expect(handed).toEqual([]);
    expect(store.history(a.id)).toHaveLength(2);
    expect(store.revision).toBe(revision + 1);

    // b is gone by a direct read: tombstoned with its actor; c, not read, is untouched.
    await r.recordPage(reread('ev-2', 12, [], { ids: [b.id], gone: [b.id], who: 'bob' }));
    expect(store.get(b.id)).toBeNull();
    expect(store.get(c.id)).not.toBeNull();
    expect(handed.at(-1)?.deltas.map((d) => [d.id, d.kind])).toEqual([[b.id, 'tombstoned']]);
    expect(handed.at(-1)?.actors?.[b.id]?.principal_arn).toBe(`arn:aws:iam::${ACCOUNT}:user/bob`);

    // A gone id outside the page's scope is not the page's to tombstone.
    const west = {
      ...vol('vol-w'),
      id: `aws:${ACCOUNT}:us-west-2:ec2.volume:vol-w`,
      region: 'us-west-2',
    } as AnyResource;
    await store.applyScan('west', { ...scope, region: 'us-west-2' }, [west]);
    await r.recordPage(reread('ev-3', 13, [], { ids: [west.id], gone: [west.id] }));
    expect(store.get(west.id)).not.toBeNull();

    // The history (as `elava history` and the API read it) names who made each version.
    const history = JSON.parse(new StoreReader(store).answer('history', { id: a.id })).items as { actor?: Actor }[];
    expect(history.map((v) => v.actor?.principal_arn)).toEqual([
      `arn:aws:iam::${ACCOUNT}:user/early`,
      `arn:aws:iam::${ACCOUNT}:user/alice`,
    ]);
    expect(store.verifyAudit().ok).toBe(true);
  });

  it('a sweep that read before a re-read, recorded after it, neither rolls it back nor tombstones what it found', async () => {
    const { store, r } = await recorder();
    const [a, b] = [vol('vol-a', { owner: 'old' }), vol('vol-b')];
    await r.recordPage(sweepPage('s1', 0, 1, [a, b], { started: 1, seen: [a.id, b.id] }));
    // The sweep s2 begins at 20 and reads a (still old) at 21; meanwhile, at 22, an event's re-read
    // sees a's new tag, and at 23 one sees vol-new, made after s2 listed the scope.
    const fresh = vol('vol-new');
    await r.recordPage(reread('ev-1', 22, [vol('vol-a', { owner: 'new' })], { who: 'alice' }));
    await r.recordPage(reread('ev-2', 23, [fresh], { who: 'carol' }));
    await r.recordPage(sweepPage('s2', 0, 21, [a, b], { started: 20, seen: [a.id, b.id] }));
    expect(store.get(a.id)?.resource?.tags).toEqual({ owner: 'new' });
    expect(store.history(a.id)).toHaveLength(2);
    expect(store.get(fresh.id)).not.toBeNull();
    // The next sweep, which began after both, is the authority again.
    await r.recordPage(
      sweepPage('s3', 0, 40, [vol('vol-a', { owner: 'newer' }), b], { started: 40, seen: [a.id, b.id] }),
    );
    expect(store.get(a.id)?.resource?.tags).toEqual({ owner: 'newer' });
    expect(store.get(fresh.id)).toBeNull();
  });

  it('a re-read in the middle of a sweep neither makes its later pages stale nor hides an older scan from the check', async () => {
    const { store, r } = await recorder();
    const [a, b] = [vol('vol-a', { v: '1' }), vol('vol-b')];
    await r.recordPage(sweepPage('s0', 0, 1, [a, b], { started: 1, seen: [a.id, b.id] }));
    // Sweep s1 sends page 0 (read at 10); a re-read (at 12) is recorded before s1's last page, read at 11.
    await r.recordPage(sweepPage('s1', 0, 10, [a]));
    await r.recordPage(reread('ev-1', 12, [vol('vol-a', { v: '2' })]));
    expect(await r.recordPage(sweepPage('s1', 1, 11, [], { started: 10, seen: [a.id] }))).not.toBeNull();
    // The sweep completed: b, which it did not see, is gone.
    expect(store.get(b.id)).toBeNull();
    // A page of a scan older than s1 arrives late: still dropped.
    expect(
      await r.recordPage(sweepPage('s-old', 0, 5, [vol('vol-a', { v: '0' })], { started: 5, seen: [a.id] })),
    ).toBeNull();
    expect(store.get(a.id)?.resource?.tags).toEqual({ v: '2' });
  });
});
