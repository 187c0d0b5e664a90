import type { PublishedChange } from '@elava/detector';
import { encodeResource } from '@elava/store';
import { instance } from '@elava/store/testing';
import { CHANGE_TYPES, type ObservationPage } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { unique } from '../support/infra.js';
import { startRecording, until } from '../support/pipeline.js';
import { useStage, watchStream } from '../support/stage.js';

const GRACE_MS = 1_200;
const ACCOUNT = '123456789012';

/**
 * The grace period of a non-blessed disappearance (issue 13 §3): announced only if the store still
 * shows the resource gone when the period ends, each disappearance on its own timer, whatever the
 * detector did meanwhile. Recorder and detector in process on real Redis and NATS; pages made here.
 */
describe('disappearances and their grace period', () => {
  const stage = useStage(async () => {});

  async function wire() {
    const region = `us-west-${2 + Math.floor(Math.random() * 1_000)}`;
    const alertOn = Object.fromEntries(CHANGE_TYPES.map((t) => [t, 'warning'])) as Record<
      (typeof CHANGE_TYPES)[number],
      'warning'
    >;
    const w = await startRecording(stage, 'grace', { settings: { alertOn, graceMs: GRACE_MS } });
    stage.defer(() => w.close());
    const { store, recorder } = w;
    const changes = await watchStream<PublishedChange>(stage, 'ELAVA_CHANGES', (c) =>
      c.resource_id.startsWith(`aws:${ACCOUNT}:${region}:`),
    );
    let scans = 0;
    /** One complete scan of the scope that sees exactly these instances. */
    const scan = async (...ns: number[]) => {
      const scanId = `scan-${++scans}-${unique('g')}`;
      const resources = ns.map((n) => encodeResource(instance(n, { region })));
      const page: ObservationPage = {
        scan_id: scanId,
        page_id: `${scanId}#0@1`,
        page: 0,
        attempt: 1,
        scope: { account: ACCOUNT, region, type: 'ec2.instance' },
        observed_at: new Date().toISOString(),
        resources: resources.map((r) => ({ id: r.id, json: r.json, tags: r.tags, hash: r.hash })),
        final: { status: 'complete', count: ns.length, pages: 1, seen: resources.map((r) => r.id) },
      };
      await recorder.recordPage(page);
    };
    const id = (n: number) => instance(n, { region }).id;
    const gone = (n: number) => changes.filter((c) => c.type === 'disappeared' && c.resource_id === id(n));
    const withdrawn = () =>
      store
        .audit({ types: ['changes_detected'] })
        .flatMap((e) => (e.data.withdrawn as { resource_id: string }[] | undefined) ?? [])
        .map((w) => w.resource_id);
    return {
      store,
      changes,
      scan,
      id,
      gone,
      withdrawn,
      stopDetector: w.stopDetector,
      startDetector: w.startDetector,
    };
  }

  it('a resource back within the grace period is never announced gone, and the trail names it', async () => {
    const w = await wire();
    await w.scan(1, 2);
    await until(() => w.changes.filter((c) => c.type === 'appeared').length === 2, 'two appearances');
    await w.scan(2); // 1 goes
    await w.scan(1, 2); // and is back before the grace period ends
    await until(() => w.withdrawn().includes(w.id(1)), 'the withdrawal in the trail');
    expect(w.gone(1)).toEqual([]);
  });

  it('each disappearance has its own timer: gone, back and gone again is announced again', async () => {
    const w = await wire();
    await w.scan(1, 2);
    await w.scan(2); // 1 goes
    await until(() => w.gone(1).length === 1, 'the first disappearance, after the grace period');
    await w.scan(1, 2); // back
    await w.scan(2); // and gone again
    await until(() => w.gone(1).length === 2, 'the second disappearance, after its own grace period');
    expect(new Set(w.gone(1).map((c) => c.id)).size).toBe(2);
    expect(w.gone(1).map((c) => c.severity)).toEqual(['warning', 'warning']);
  });

  it('a detector stopped while timers run changes nothing: one announced after the restart, one withdrawn', async () => {
    const w = await wire();
    await w.scan(1, 2, 3);
    await until(() => w.changes.filter((c) => c.type === 'appeared').length === 3, 'three appearances');
    await w.scan(3); // 1 and 2 go
    await until(() => w.store.audit({ types: ['changes_detected'] }).length >= 2, 'the disappearances held');
    await w.stopDetector();
    await w.scan(2, 3); // 2 is back while no detector runs: a backlog of deltas waits for it
    await new Promise((r) => setTimeout(r, GRACE_MS + 300)); // both timers are due before it returns
    w.startDetector();
    await until(() => w.gone(1).length === 1 && w.withdrawn().includes(w.id(2)), '1 announced, 2 withdrawn');
    await new Promise((r) => setTimeout(r, GRACE_MS));
    expect(w.gone(1)).toHaveLength(1);
    expect(w.gone(2)).toEqual([]);
  });
});
