import { createQueue, createRedis, QUEUES } from '@elava/bus';
import { Recorder, startRecorder, WalPublisher } from '@elava/recorder';
import { contentHash, Store } from '@elava/store';
import type { AuditEntry, ScanJob } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { infra, silentLog, tempDirFor, unique } from '../support/infra.js';
import { testScanner } from '../support/scanner.js';
import { resetMoto, seedDbInstances, seedRegion } from '../support/seed.js';
import { useStage, watchStream } from '../support/stage.js';

const ACCOUNT = '123456789012';

describe('scanner → recorder on moto', () => {
  const stage = useStage(async () => {
    await resetMoto(infra().moto);
    await seedRegion(infra().moto, 'us-east-1', { volumes: 3 });
    await seedDbInstances(infra().moto, 'us-west-2', 25);
  });

  it('records every page as one revision with its audit entries, hands deltas on, and publishes the trail once', async () => {
    const prefix = unique('elava-rec');
    const dir = tempDirFor('elava-rec-');
    const store = await Store.open(dir);
    const wal = new WalPublisher(stage.nc, store, silentLog);
    const published = await watchStream<AuditEntry>(stage, 'ELAVA_WAL', (_e, msg) =>
      Boolean(msg.headers?.get('Nats-Msg-Id')?.startsWith(`${wal.storeId}.`)),
    );
    const conns = [createRedis(infra().redis, 'producer'), createRedis(infra().redis, 'worker')];
    stage.defer(async () => {
      for (const c of conns) c.disconnect();
    });
    const recorder = startRecorder({ store, wal, producer: conns[0]!, consumer: conns[1]!, log: silentLog, prefix });
    stage.defer(async () => {
      await recorder.close();
      await store.close();
    });
    testScanner(prefix, stage.defer, { pageSize: 10 });
    const queue = createQueue<ScanJob>(QUEUES.scan, { connection: conns[0]!, prefix });
    stage.defer(() => queue.close());
    const scans: ScanJob[] = [
      {
        scan_id: unique('rds'),
        scope: { account: ACCOUNT, region: 'us-west-2', type: 'rds.instance' },
        requested_by: 'cli',
      },
      {
        scan_id: unique('vol'),
        scope: { account: ACCOUNT, region: 'us-east-1', type: 'ec2.volume' },
        requested_by: 'cli',
      },
    ];
    for (const s of scans) await queue.add('scan', s);
    const deadline = Date.now() + 30_000;
    while (store.audit().filter((e) => e.type === 'scan_completed').length < 2) {
      if (Date.now() > deadline)
        throw new Error(
          `timed out; trail: ${store
            .audit()
            .map((e) => e.type)
            .join(', ')}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }

    expect([...store.range({ type: 'rds.instance' })]).toHaveLength(25);
    expect([...store.range({ type: 'ec2.volume' })]).toHaveLength(4); // 3 seeded + the instance's root volume
    const trail = store.audit();
    const rdsTrail = trail
      .filter((e) => (e.data as { scan_id?: string }).scan_id === scans[0]!.scan_id)
      .map((e) => e.type);
    expect(rdsTrail).toEqual(['scan_started', 'observed', 'observed', 'observed', 'scan_completed']);
    expect(store.verifyAudit()).toMatchObject({ ok: true, entries: trail.length });

    // Every revision with changes went to the detector's queue once, under its store and revision. The last
    // one is handed on just after its revision commits: wait for it rather than race it.
    const handedOn = () => recorder.deltas.getJobs(['waiting', 'completed', 'active', 'delayed']);
    const handOnDeadline = Date.now() + 10_000;
    while (
      (await handedOn()).reduce((n, j) => n + (j.data.stashed ?? j.data.deltas.length), 0) < 29 &&
      Date.now() < handOnDeadline
    )
      await new Promise((r) => setTimeout(r, 50));
    const deltas = await handedOn();
    const revs = deltas.map((j) => j.data.revision).sort((a, b) => a - b);
    expect(new Set(revs).size).toBe(revs.length);
    expect(deltas.reduce((n, j) => n + (j.data.stashed ?? j.data.deltas.length), 0)).toBe(29);
    // Keyed by the store as well: a new store's revision 1 is not an old one's kept job.
    expect(deltas.every((j) => j.id === `${store.id}.rev-${j.data.revision}` && j.data.store === store.id)).toBe(true);

    // The trail reaches NATS in order, each entry once.
    const until = Date.now() + 10_000;
    while (published.length < trail.length && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(published.map((e) => e.seq)).toEqual(trail.map((e) => e.seq));
    // Publishing again (as after a restart that lost its mark) adds nothing to the stream.
    const again = new WalPublisher(stage.nc, store, silentLog);
    expect(again.storeId).toBe(wal.storeId);
    await again.catchUp();
    await new Promise((r) => setTimeout(r, 300));
    expect(published).toHaveLength(trail.length);
  });

  it("drops a page observed before the scope's last recorded one, so an old scan never rolls the estate back", async () => {
    const store = await Store.open(tempDirFor('elava-stale-'));
    stage.defer(() => store.close());
    const handed: number[] = [];
    const recorder = new Recorder(
      store,
      new WalPublisher(stage.nc, store, silentLog),
      { send: async (d) => void handed.push(d.revision) },
      silentLog,
    );
    const scope = { account: ACCOUNT, region: 'us-east-1', type: 'ec2.vpc' as const };
    const vpc = (cidr: string) => {
      const id = `aws:${ACCOUNT}:us-east-1:ec2.vpc:vpc-1`;
      const json = JSON.stringify({ id, cidr, tags: {} });
      return { id, json, tags: {}, hash: contentHash(json).toString('base64') };
    };
    const page = (scan: string, at: string, cidr: string) => ({
      scan_id: scan,
      page_id: `${scan}@1#0`,
      page: 0,
      attempt: 1,
      scope,
      observed_at: at,
      resources: [vpc(cidr)],
    });
    expect(await recorder.recordPage(page('new', '2026-11-22T10:00:00.000Z', '10.0.0.0/16'))).not.toBeNull();
    expect(await recorder.recordPage(page('old', '2026-11-22T09:59:00.000Z', '10.9.0.0/16'))).toBeNull();
    expect(store.revision).toBe(1);
    expect(
      (await recorder.recordPage(page('newer', '2026-11-22T10:01:00.000Z', '10.1.0.0/16')))?.deltas.map((d) => d.kind),
    ).toEqual(['modified']);
    // A redelivered page that was recorded is still answered, not dropped.
    expect((await recorder.recordPage(page('new', '2026-11-22T10:00:00.000Z', '10.0.0.0/16')))?.duplicate).toBe(true);
    expect(handed).toEqual([1, 2, 1]);

    // A second attempt of a scan an earlier attempt completed (its scanner stalled past the job
    // lock) is not recorded again; the first attempt's pages are still answered.
    const attempt = (n: number, final: boolean) => ({
      ...page('twice', '2026-11-22T10:02:00.000Z', '10.2.0.0/16'),
      page_id: `twice@${n}#0`,
      attempt: n,
      ...(final ? { final: { status: 'complete' as const, count: 1, pages: 1, seen: [vpc('').id] } } : {}),
    });
    expect(await recorder.recordPage(attempt(1, true))).not.toBeNull();
    const revision = store.revision;
    expect(await recorder.recordPage(attempt(2, true))).toBeNull();
    expect(store.revision).toBe(revision);
    expect((await recorder.recordPage(attempt(1, true)))?.duplicate).toBe(true);
  });
});
