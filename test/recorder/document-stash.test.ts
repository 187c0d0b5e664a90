import { createQueue, DocumentStash, packDocuments, packRevision, QUEUES } from '@elava/bus';
import type { PublishedChange } from '@elava/detector';
import { encodeResource } from '@elava/store';
import { instance } from '@elava/store/testing';
import { type Delta, type ObservationPage, type QueuedPage, type RevisionDeltas, storeKeys } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { unique } from '../support/infra.js';
import { startRecording, until } from '../support/pipeline.js';
import { useStage, watchStream } from '../support/stage.js';

/** The first page of a new scan of these instances in `region`, as a scanner encodes it. */
function firstPage(region: string, ns: number[]) {
  const resources = ns.map((n) => encodeResource(instance(n, { region })));
  const scanId = unique('stash');
  const page: ObservationPage = {
    scan_id: scanId,
    page_id: `${scanId}@1#0`,
    page: 0,
    attempt: 1,
    scope: { account: instance(1).account, region, type: 'ec2.instance' },
    observed_at: new Date().toISOString(),
    resources: resources.map((r) => ({ id: r.id, json: r.json, tags: r.tags, hash: r.hash })),
  };
  return { resources, scanId, page };
}

type Encoded = ReturnType<typeof encodeResource>;

/** The delta of a resource that appeared at `revision`, its document inline. */
function appeared(r: Encoded | undefined, revision: number): Delta {
  return {
    id: r?.id as string,
    kind: 'added',
    current: {
      revision: { main: revision, sub: 0 },
      created: revision,
      version: 1,
      tombstone: false,
      content_hash: r?.hash as string,
      time: new Date().toISOString(),
    },
    previous: null,
    current_json: r?.json as string,
  };
}

describe("the recorder → detector hand-over of a revision's documents", () => {
  const stage = useStage(async () => {});

  it('carries them beside the job, not in it, leaves a marker once handled, and fails a job whose documents are gone', async () => {
    const w = await startRecording(stage, 'stash');
    stage.defer(() => w.close());
    const region = 'eu-west-3';
    const changes = await watchStream<PublishedChange>(
      stage,
      'ELAVA_CHANGES',
      (c) => c.resource_id.includes(`:${region}:`) && c.store === w.store.id,
    );
    const { resources, page } = firstPage(region, [1, 2, 3]);
    const result = await w.recorder.recordPage(page);
    await until(() => changes.length === 3, 'three appearances on NATS');
    expect(changes.map((c) => c.current)).toEqual(resources.map((r) => JSON.parse(r.json)));

    const redis = w.conns[4] as NonNullable<(typeof w.conns)[4]>;
    const deltas = createQueue<RevisionDeltas>(QUEUES.deltas, { connection: redis, prefix: w.prefix });
    stage.defer(() => deltas.close());
    const job = await deltas.getJob(storeKeys.revision(w.store.id, result?.revision ?? 0));
    // The job is the envelope; the deltas and their documents wait beside it.
    expect(job?.data.deltas).toEqual([]);
    expect(job?.data.stashed).toBe(3);
    const key = job?.data.documents as string;
    expect(key.startsWith(`${w.prefix}:documents:`)).toBe(true);
    // Handled: the documents gave way to the marker a retried job recognises.
    await until(async () => (await redis.getBuffer(key))?.length === 0, 'the marker');

    // A job pointing at documents that are gone fails, naming them, and publishes nothing.
    const gone = `${w.prefix}:documents:nowhere`;
    const lost = await deltas.add(
      'deltas',
      { ...(job?.data as RevisionDeltas), revision: 999_999, documents: gone },
      { attempts: 1, jobId: unique('lost') },
    );
    await until(async () => (await lost.getState()) === 'failed', 'the job failed');
    expect((await deltas.getJob(lost.id as string))?.failedReason).toContain(gone);

    // A stash value that is not deltas (another program's, a hand edit) fails at once, named.
    const torn = `${w.prefix}:documents:torn`;
    await redis.set(torn, Buffer.from([0, 0, 0, 9, 1, 2]));
    const bad = await deltas.add(
      'deltas',
      { ...(job?.data as RevisionDeltas), revision: 999_998, documents: torn },
      { attempts: 3, jobId: unique('torn') },
    );
    await until(async () => (await bad.getState()) === 'failed', 'the torn job failed');
    const failed = await deltas.getJob(bad.id as string);
    expect(failed?.failedReason).toMatch(/revision 999998 .*runs past the 6-byte value/);
    expect(failed?.attemptsMade).toBe(1);
    expect(changes).toHaveLength(3);

    // Deltas an older recorder queued (documents stashed, metadata in the job) are still told.
    const older = firstPage(region, [4]);
    const oldKey = `${w.prefix}:documents:older`;
    const { deltas: oldJob, blob } = packDocuments(
      {
        store: w.store.id,
        revision: 999_997,
        time: new Date().toISOString(),
        scope: older.page.scope,
        scan_id: older.scanId,
        deltas: [appeared(older.resources[0], 999_997)],
      },
      oldKey,
    );
    await redis.set(oldKey, blob as Buffer);
    await deltas.add('deltas', oldJob, { jobId: unique('older') });
    await until(() => changes.length === 4, 'the older job told');
    expect(changes[3]?.current).toEqual(JSON.parse(older.resources[0]?.json as string));
  });

  it("takes a scanner's page with its documents from beside the job, once, and fails one whose documents are gone", async () => {
    const w = await startRecording(stage, 'pagestash');
    stage.defer(() => w.close());
    const redis = w.conns[4] as NonNullable<(typeof w.conns)[4]>;
    const stash = new DocumentStash(redis, w.prefix);
    const pages = createQueue<QueuedPage>(QUEUES.observations, { connection: redis, prefix: w.prefix });
    stage.defer(() => pages.close());
    const region = 'eu-south-1';
    const changes = await watchStream<PublishedChange>(
      stage,
      'ELAVA_CHANGES',
      (c) => c.resource_id.includes(`:${region}:`) && c.store === w.store.id,
    );
    const { resources, scanId, page } = firstPage(region, [1, 2]);
    await stash.sendPage(pages, page);
    const job = await pages.getJob(page.page_id);
    expect(job?.data.resources.every((r) => !('json' in r) && 'json_at' in r)).toBe(true);
    await until(() => w.store.get(resources[1]?.id as string) !== null, 'the page recorded');
    expect(w.store.get(resources[0]?.id as string)?.resource).toEqual(JSON.parse(resources[0]?.json as string));
    const key = job?.data.documents as string;
    // Every document of the page appeared: the detector read them from the page's own value, and
    // marked it done once it had told the changes.
    await until(() => changes.length === 2, 'two appearances on NATS');
    expect(changes.map((c) => c.current)).toEqual(resources.map((r) => JSON.parse(r.json)));
    await until(async () => (await redis.getBuffer(key))?.length === 0, 'the marker');
    const revision = w.store.revision;
    const deltas = createQueue<RevisionDeltas>(QUEUES.deltas, { connection: redis, prefix: w.prefix });
    stage.defer(() => deltas.close());
    const handed = await deltas.getJob(storeKeys.revision(w.store.id, revision));
    expect(handed?.data.page_documents).toBe(key);

    // A revision whose page value is gone fails, naming it, and tells nothing.
    const own = `${w.prefix}:documents:own`;
    const missing = `${w.prefix}:documents:page.nowhere`;
    const packed = packRevision(
      { ...(handed?.data as RevisionDeltas), revision: 999_996, deltas: [appeared(resources[0], 999_996)] },
      own,
      {
        documents: missing,
        resources: [{ ...(resources[0] as Encoded), json_at: [0, resources[0]?.json.length ?? 0] }],
      },
    );
    expect(packed.deltas.page_documents).toBe(missing);
    await redis.set(own, packed.blob);
    const orphan = await deltas.add('deltas', packed.deltas, { jobId: unique('orphan'), attempts: 1 });
    await until(async () => (await orphan.getState()) === 'failed', 'the orphan failed');
    expect((await deltas.getJob(orphan.id as string))?.failedReason).toContain(missing);
    expect(changes).toHaveLength(2);

    // The same page again after the marker (a retry after a crash): done, nothing recorded twice.
    const again = await pages.add('page', job?.data as QueuedPage, { jobId: unique('again') });
    await until(async () => (await again.getState()) === 'completed', 'the retry completed');
    expect(w.store.revision).toBe(revision);

    // A page whose documents are gone fails, naming the key.
    const lost = await pages.add(
      'page',
      { ...(job?.data as QueuedPage), page_id: `${scanId}@2#0`, documents: `${w.prefix}:documents:nowhere` },
      { jobId: unique('lost'), attempts: 1 },
    );
    await until(async () => (await lost.getState()) === 'failed', 'the page failed');
    expect((await pages.getJob(lost.id as string))?.failedReason).toContain(`${w.prefix}:documents:nowhere`);
  });

  it('tells the changes of revisions whose hand-over is gone from Redis, read back from the store', async () => {
    const w = await startRecording(stage, 'readback');
    stage.defer(() => w.close());
    const region = 'ap-south-2';
    const changes = await watchStream<PublishedChange>(
      stage,
      'ELAVA_CHANGES',
      (c) => c.resource_id.includes(`:${region}:`) && c.store === w.store.id,
    );
    // The detector away while two revisions are recorded: a first scan's page, then a change.
    await w.stopDetector();
    const redis = w.conns[4] as NonNullable<(typeof w.conns)[4]>;
    const pages = createQueue<QueuedPage>(QUEUES.observations, { connection: redis, prefix: w.prefix });
    stage.defer(() => pages.close());
    // As a scanner sends it: the revision's deltas then point into the page's value.
    const first = firstPage(region, [1, 2, 3]);
    await new DocumentStash(redis, w.prefix).sendPage(pages, first.page);
    await until(() => w.store.get(first.resources[2]?.id as string) !== null, 'the first page recorded');
    const r1 = { revision: w.store.revision };
    const stopped = encodeResource(instance(2, { region, state: 'stopped' }));
    const second = firstPage(region, []);
    const r2 = await w.recorder.recordPage({
      ...second.page,
      resources: [{ id: stopped.id, json: stopped.json, tags: stopped.tags, hash: stopped.hash }],
    });
    const deltas = createQueue<RevisionDeltas>(QUEUES.deltas, { connection: redis, prefix: w.prefix });
    stage.defer(() => deltas.close());
    const jobs = await Promise.all(
      [r1.revision, r2?.revision].map((r) => deltas.getJob(storeKeys.revision(w.store.id, r ?? 0))),
    );
    // Gone, as after 7 days: the revisions' own values and the first scan's page value.
    const keys = jobs.flatMap((j) => [j?.data.documents, j?.data.page_documents]).filter((k) => k !== undefined);
    expect(jobs[0]?.data.page_documents).toBeDefined();
    expect(keys).toHaveLength(3);
    expect(await redis.del(...(keys as string[]))).toBe(3);

    w.startDetector();
    await until(() => changes.length === 4, 'three appearances and the change on NATS');
    expect(changes.slice(0, 3).map((c) => [c.type, c.current])).toEqual(
      first.resources.map((r) => ['appeared', JSON.parse(r.json)]),
    );
    expect(changes[3]).toMatchObject({
      resource_id: stopped.id,
      revision: r2?.revision,
      previous: JSON.parse(first.resources[1]?.json as string),
      current: JSON.parse(stopped.json),
    });
    for (const j of jobs)
      await until(async () => (await deltas.getJob(j?.id as string))?.finishedOn !== undefined, 'the job done');
    expect(await Promise.all(jobs.map((j) => deltas.getJob(j?.id as string).then((x) => x?.getState())))).toEqual([
      'completed',
      'completed',
    ]);
  });
});
