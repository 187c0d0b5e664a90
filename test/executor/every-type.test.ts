import { AccountDirectory, ClientSet, PROVIDERS, readOne } from '@elava/aws';
import { seedEveryType } from '@elava/demo';
import { AwsCloud, plan } from '@elava/executor';
import type { Decision, ResourceType } from '@elava/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { infra, unique } from '../support/infra.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
/** moto 5.2 answers TagResource on a REST API's ARN with an HTML 404 (it routes only stage ARNs). */
const MOTO_CANNOT_TAG = new Set<ResourceType>(['apigateway.rest_api']);
/** moto 5.2 tags a launch template (CreateTags succeeds) but DescribeLaunchTemplates shows its first tags only. */
const MOTO_HIDES_LATER_TAGS = new Set<ResourceType>(['ec2.launch_template']);

const settings = {
  requiredTags: ['elava:owner'],
  defaultTags: { 'elava:owner': 'platform' },
  autoProtectProd: false,
  productionTag: { key: 'environment', values: ['production'] },
};

function decision(type: ResourceType, native: string, region: string): Decision {
  return {
    id: `d-${type}`,
    store: 'a1b2c3d4e5f6',
    action: 'auto_tag',
    severity: 'warning',
    resource: { id: `aws:${ACCOUNT}:${region}:${type}:${native}`, type, account: ACCOUNT, region, tags: {} },
    reason: 'lacks elava:owner',
    revision: 1,
    time: new Date().toISOString(),
    metadata: {},
  };
}

/**
 * The executor's writes for every newer type, as the executor makes them: the resource read now
 * through its own reader, the plan from its module's tag writes, each call sent through clients
 * that may send only the executor's writes; then a read shows the tag.
 */
describe('auto_tag on every taggable type, sent to moto', () => {
  const prefix = unique('ex');
  let seeded: Partial<Record<ResourceType, string[]>>;
  const cloud = new AwsCloud(
    new AccountDirectory([], { region: REGION, endpoint: infra().moto, purpose: 'write' }),
    infra().moto,
  );
  beforeAll(async () => {
    seeded = await seedEveryType(infra().moto, REGION, { prefix, global: true });
  });

  it('writes the tag through each type own API, and refuses the type that cannot be tagged', async () => {
    const wrote: string[] = [];
    const refused: string[] = [];
    for (const [type, natives] of Object.entries(seeded) as [ResourceType, string[]][]) {
      const native = natives[0] as string;
      const region = PROVIDERS[type].global ? 'global' : REGION;
      const d = decision(type, native, region);
      const now = await cloud.read(d);
      expect(now.exists, `${type} ${native} read now`).toBe(true);
      const p = plan(d, now, settings);
      if ('refused' in p) {
        refused.push(`${type}: ${p.refused}`);
        continue;
      }
      expect(p.calls.length, type).toBeGreaterThan(0);
      if (MOTO_CANNOT_TAG.has(type)) continue;
      for (const call of p.calls) await cloud.send(d, call);
      if (MOTO_HIDES_LATER_TAGS.has(type)) continue;
      const clients = new ClientSet({ region, endpoint: infra().moto });
      const after = await readOne(PROVIDERS[type], { account: ACCOUNT, region, clients }, native);
      clients.destroy();
      expect(after?.tags['elava:owner'], `${type} tagged`).toBe('platform');
      wrote.push(type);
    }
    expect(refused).toEqual([expect.stringMatching(/^iam\.group: iam\.group tags cannot be written: /)]);
    expect(wrote.length).toBe(Object.keys(seeded).length - 1 - MOTO_CANNOT_TAG.size - MOTO_HIDES_LATER_TAGS.size);
  });
});
