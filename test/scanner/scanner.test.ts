import { createQueue, createRedis, QUEUES } from '@elava/bus';
import type { ScannerOptions } from '@elava/scanner';
import { Store } from '@elava/store';
import type { ObservationPage, ResourceType, ScanJob } from '@elava/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infra, tempDirFor, unique } from '../support/infra.js';
import { collectPages } from '../support/pages.js';
import { motoProxy } from '../support/proxy.js';
import { testScanner } from '../support/scanner.js';
import { resetMoto, seedDbInstances, seedRegion } from '../support/seed.js';

const ACCOUNT = '123456789012';
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';

function job(type: ResourceType, region = 'us-east-1'): ScanJob {
  return { scan_id: unique(`scan-${type}`), scope: { account: ACCOUNT, region, type }, requested_by: 'cli' };
}

describe('scanner workers on moto', () => {
  beforeAll(async () => {
    await resetMoto(infra().moto);
    await seedRegion(infra().moto, 'us-east-1', { volumes: 3 });
    await seedDbInstances(infra().moto, 'us-west-2', 25);
  });

  const opened: { close(): Promise<unknown> }[] = [];
  afterAll(async () => {
    for (const c of opened.reverse()) await c.close();
  });

  function scanQueue(prefix: string) {
    const producer = createRedis(infra().redis, 'producer');
    const queue = createQueue<ScanJob>(QUEUES.scan, { connection: producer, prefix });
    opened.push({
      close: async () => {
        await queue.close();
        producer.disconnect();
      },
    });
    return queue;
  }

  function scanner(prefix: string, extra: Partial<ScannerOptions> = {}) {
    return testScanner(prefix, (close) => opened.push({ close }), extra);
  }

  it('scans scopes into validated pages that end complete, with every id seen, and records once', async () => {
    const prefix = unique('elava-scan');
    const pages = collectPages(prefix);
    opened.push(pages);
    scanner(prefix, { pageSize: 10 });
    const queue = scanQueue(prefix);

    const jobs = [job('ec2.volume'), job('ec2.security_group'), job('rds.instance', 'us-west-2'), job('s3.bucket')];
    for (const j of jobs) await queue.add('scan', j);
    await pages.until(() => pages.finals().length === jobs.length);

    const rds = pages.pages.filter((p) => p.scan_id === jobs[2]!.scan_id).sort((a, b) => a.page - b.page);
    expect(rds.map((p) => p.resources.length)).toEqual([10, 10, 5]);
    expect(rds.map((p) => p.page_id)).toEqual([0, 1, 2].map((n) => `${jobs[2]!.scan_id}@1#${n}`));
    expect(rds[2]!.final).toMatchObject({ status: 'complete', count: 25, pages: 3 });
    expect((rds[2]!.final as { seen: string[] }).seen).toHaveLength(25);

    // The pages, applied as the recorder will, give each resource exactly one version.
    const store = await Store.open(tempDirFor('elava-scan-store-'));
    const apply = async (group: ObservationPage[]) => {
      for (const p of group.sort((a, b) => a.page - b.page)) {
        const final = p.final?.status === 'complete' ? p.final : undefined;
        await store.applyScan(p.page_id, p.scope, p.resources, { complete: Boolean(final), seen: final?.seen });
      }
    };
    for (const j of jobs) await apply(pages.pages.filter((p) => p.scan_id === j.scan_id));
    const stats = store.stats();
    expect(stats.versions).toBe(stats.resources);
    expect([...store.range({ type: 'rds.instance' })]).toHaveLength(25);
    expect([...store.range({ type: 's3.bucket' })].map((v) => v.id).sort()).toEqual([
      `aws:${ACCOUNT}:us-east-1:s3.bucket:elava-us-east-1-logs`,
      `aws:${ACCOUNT}:us-east-1:s3.bucket:elava-us-east-1-open`,
    ]);
    // A second scan of the same scopes adds nothing.
    const again = jobs.map((j) => ({ ...j, scan_id: `${j.scan_id}-again` }));
    for (const j of again) await queue.add('scan', j);
    await pages.until(() => pages.finals().length === jobs.length * 2);
    const before = store.stats().versions;
    for (const j of again) await apply(pages.pages.filter((p) => p.scan_id === j.scan_id));
    expect(store.stats().versions).toBe(before);
    await store.close();
  });

  it('does not scan again a scan whose final page an earlier attempt handed on (its worker died before saying so)', async () => {
    const prefix = unique('elava-scan');
    const pages = collectPages(prefix);
    opened.push(pages);
    scanner(prefix, { pageSize: 10 });
    const queue = scanQueue(prefix);
    const first = job('rds.instance', 'us-west-2');
    await queue.add('scan', first);
    await pages.until(() => pages.finals().length === 1);
    const sent = pages.pages.length;
    // The same scan delivered again, as BullMQ does with the job of a worker that died.
    const again = await queue.add('scan', first);
    const deadline = Date.now() + 10_000;
    while (!(await again.isCompleted()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await again.isCompleted()).toBe(true);
    expect(again.id).not.toBe(undefined);
    expect((await queue.getJob(again.id as string))?.returnvalue).toMatchObject({
      status: 'complete',
      resources: 25,
      pages: 3,
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(pages.pages).toHaveLength(sent);
  });

  it('ends a scope whose second API page fails as failed, with no complete marker', async () => {
    const prefix = unique('elava-scan');
    const pages = collectPages(prefix);
    opened.push(pages);
    const proxy = await motoProxy({
      fail: (body) => body.includes('Action=DescribeDBInstances') && body.includes('Marker='),
    });
    opened.push(proxy);
    scanner(prefix, { endpoint: proxy.url, apiPageSize: 20, pageSize: 100, maxAttempts: 2 });
    const queue = scanQueue(prefix);
    const j = job('rds.instance', 'us-west-2');
    await queue.add('scan', j);
    await pages.until(() => pages.finals().length === 1);
    const mine = pages.pages.filter((p) => p.scan_id === j.scan_id);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.final).toMatchObject({ status: 'failed' });
    expect((mine[0]!.final as { error: string }).error).toMatch(/injected|InternalFailure|500/);
    // The 20 resources read before the failure travel with it, never as a complete scan.
    expect(mine[0]!.resources).toHaveLength(20);
  });
});
