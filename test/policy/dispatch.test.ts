import { ClientSet, PROVIDERS } from '@elava/aws';
import { seedEveryType, seedRegion } from '@elava/demo';
import { EVERYTHING, type PolicyInput, type PolicyPool } from '@elava/policy';
import { type AnyResource, RESOURCE_TYPES } from '@elava/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOW, syntheticInputs } from '../../bench/policy/estate.mjs';
import { infra, unique } from '../support/infra.js';
import { libraryPool } from '../support/policy.js';
import { resetMoto } from '../support/seed.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const credentials = async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' });

/** Every resource moto holds of every type Elava reads (placeholder readers left out). */
async function scanEverything(): Promise<AnyResource[]> {
  const out: AnyResource[] = [];
  for (const type of RESOURCE_TYPES) {
    const region = PROVIDERS[type].global ? 'global' : REGION;
    const clients = new ClientSet({ region, endpoint: infra().moto, credentials });
    try {
      for await (const page of PROVIDERS[type].pages({ account: ACCOUNT, region, clients }))
        out.push(...(page as AnyResource[]));
    } catch (err) {
      if (!/not written yet/.test(String((err as Error)?.message ?? err))) throw err;
    } finally {
      clients.destroy();
    }
  }
  return out;
}

/** A resource as it stands, and as changes of it (tags taken away, encryption switched off, gone). */
function asInputs(r: AnyResource): PolicyInput[] {
  const before = { ...r, tags: { ...r.tags, 'elava:blessed': 'true', 'elava:managed': 'true', owner: 'x' } };
  const diff = [
    { path: 'tags.owner', before: 'x', after: null },
    { path: 'attributes.encrypted', before: true, after: false },
  ];
  return [
    { resource: r, now: NOW },
    { resource: r, previous: before, change: { id: 'c', type: 'tag_drift', diff, revision: 2 }, now: NOW },
    { previous: before, change: { id: 'c', type: 'disappeared', diff: [], revision: 3 }, now: NOW },
  ];
}

/**
 * Per-type dispatch against the whole library, through the policy service's thread pool: the
 * bench's synthetic estate and every type as Elava's readers really scan it from moto give the
 * same findings, in the same order, either way.
 */
describe('per-type dispatch on the bench estate and on scanned resources', () => {
  let pool: PolicyPool;
  let scanned: AnyResource[];
  beforeAll(async () => {
    pool = await libraryPool({ elava: { config: { required_tags: ['owner'] } } });
    const prefix = unique('pd');
    // The demo estate's names are fixed (orders-us-east-1): an earlier file's estate would collide.
    await resetMoto(infra().moto);
    await seedRegion(infra().moto, REGION);
    await seedEveryType(infra().moto, REGION, { prefix, global: true });
    scanned = await scanEverything();
  });
  afterAll(() => pool?.close());

  async function compare(inputs: PolicyInput[]): Promise<number> {
    const routed = await pool.evaluate(inputs);
    const everything = await pool.evaluate(
      inputs,
      inputs.map(() => EVERYTHING),
    );
    let findings = 0;
    for (const [i, all] of everything.entries()) {
      expect(all.failures, JSON.stringify(inputs[i])).toEqual([]);
      expect(routed[i], JSON.stringify(inputs[i])).toEqual(all);
      findings += all.findings.length;
    }
    return findings;
  }

  it('the bench estate', async () => {
    const inputs = syntheticInputs(2_000) as PolicyInput[];
    expect(
      await compare([...inputs, ...inputs.slice(0, 200).flatMap((x) => asInputs(x.resource as AnyResource))]),
    ).toBeGreaterThan(1_000);
  });

  it('every type scanned from moto', async () => {
    const types = new Set(scanned.map((r) => r.type));
    expect(types.size).toBeGreaterThan(30);
    expect(await compare(scanned.flatMap(asInputs))).toBeGreaterThan(scanned.length);
  });
});
