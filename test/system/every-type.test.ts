import { changeEveryType, seedEveryType } from '@elava/demo';
import { type AnyResource, parseResourceId, RESOURCE_TYPES, type ResourceType } from '@elava/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SystemCluster, startCluster } from '../support/cluster.js';
import { infra, unique } from '../support/infra.js';

const SERVICES = ['api', 'detector', 'executor', 'notifier', 'policy', 'recorder', 'scanner'];
const REGION = 'eu-central-1';

interface ChangeSummary {
  id: string;
  type: string;
  resource_id: string;
  revision: number;
}

async function scanOnce(c: SystemCluster): Promise<void> {
  const r = await c.cli(['scan', '--once', '--timeout', '300']);
  if (r.code !== 0) throw new Error(`elava scan exited ${r.code}\n${r.out}\n${r.err}\n${c.log()}`);
}

/** `elava status` exits 1 while a service it expects is down (no scheduler here): its JSON still says all. */
async function json<T>(c: SystemCluster, args: string[], ok = [0]): Promise<T> {
  const r = await c.cli([...args, '--json']);
  if (!ok.includes(r.code)) throw new Error(`elava ${args.join(' ')} exited ${r.code}\n${r.err}`);
  return JSON.parse(r.out) as T;
}

const revisionOf = async (c: SystemCluster) =>
  (await json<{ store: { revision: number; stats: { versions: number } } }>(c, ['status'], [0, 1])).store;

/**
 * Issue 14's done-when, through the whole cluster and the CLI: moto seeded with every type,
 * `elava scan --once` lists each resource under its canonical id with its ARN; a rescan adds no
 * version; one change to each type gives exactly one change of the right kind.
 */
describe('system: every resource type, through elava scan --once', () => {
  let c: SystemCluster;
  const prefix = unique('all');
  let seeded: Partial<Record<ResourceType, string[]>>;

  beforeAll(async () => {
    seeded = await seedEveryType(infra().moto, REGION, { prefix, global: true });
    c = await startCluster({ regions: [REGION] });
    await c.ready(SERVICES);
    await c.waitLog(/demo estate ready/);
  });
  afterAll(() => c?.stop());

  it('lists every type with canonical ids and ARNs; a rescan adds nothing; each change is one change of its kind', async () => {
    await scanOnce(c);
    const resources = await json<AnyResource[]>(c, ['resources', '--limit', '100000']);
    const byId = new Map(resources.map((r) => [r.id, r]));
    const typesSeen = new Set(resources.map((r) => r.type));
    // Every type the demo estate or the seeding makes is read, under its canonical id, with an ARN.
    expect([...RESOURCE_TYPES].filter((t) => !typesSeen.has(t))).toEqual([]);
    for (const r of resources) {
      const parts = parseResourceId(r.id);
      expect(parts.type).toBe(r.type);
      expect(parts.region).toBe(
        r.type.startsWith('iam.') || /^(cloudfront|route53)\./.test(r.type) ? 'global' : REGION,
      );
      expect(typeof r.attributes.arn === 'string' && r.attributes.arn.startsWith('arn:aws:'), `${r.id} arn`).toBe(true);
    }
    const seededIds = new Map<string, ResourceType>();
    for (const [type, natives] of Object.entries(seeded) as [ResourceType, string[]][]) {
      const region = /^(iam|cloudfront|route53)\./.test(type) ? 'global' : REGION;
      for (const n of natives) seededIds.set(`aws:123456789012:${region}:${type}:${n}`, type);
    }
    expect([...seededIds.keys()].filter((id) => !byId.has(id))).toEqual([]);

    const before = await revisionOf(c);
    await scanOnce(c);
    const after = await revisionOf(c);
    expect(after.stats.versions, 'a rescan of an unchanged estate adds no version').toBe(before.stats.versions);

    const expected = await changeEveryType(infra().moto, REGION, seeded, { global: true });
    await scanOnce(c);
    await c.settle(3_000, 60_000);
    const changes = (await json<ChangeSummary[]>(c, ['changes', '--since', String(after.revision)])).filter((ch) =>
      seededIds.has(ch.resource_id),
    );
    const got: Record<string, string[]> = {};
    for (const ch of changes) got[ch.resource_id] = [...(got[ch.resource_id] ?? []), ch.type];
    const want: Record<string, string[]> = {};
    for (const [type, kind] of Object.entries(expected) as [ResourceType, string][]) {
      const first = seeded[type]?.[0];
      const region = /^(iam|cloudfront|route53)\./.test(type) ? 'global' : REGION;
      if (first) want[`aws:123456789012:${region}:${type}:${first}`] = [kind];
    }
    expect(got).toEqual(want);
  });
});
