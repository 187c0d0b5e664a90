import {
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteTagsCommand,
  DescribeImagesCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { Decision } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { ec2TagsOf, testExecutor } from '../support/executor.js';
import { infra } from '../support/infra.js';
import { startPipeline, until } from '../support/pipeline.js';
import { DEFAULT_DECISIONS } from '../support/policy.js';
import { resetMoto } from '../support/seed.js';
import { useStage } from '../support/stage.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-2';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** Scanner → recorder → detector → policy → executor on moto: Elava's only writes, end to end. */
describe('executor end to end', () => {
  const stage = useStage(async () => {
    await resetMoto(infra().moto);
  });

  it('auto_tag adds exactly the configured tags and the next scan decides nothing about them; tag drift is restored once', async () => {
    const ec2 = new EC2Client({ region: REGION, endpoint: infra().moto, credentials });
    stage.defer(async () => ec2.destroy());
    const vpc = (
      await ec2.send(
        new CreateVpcCommand({
          CidrBlock: '10.9.0.0/16',
          TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'environment', Value: 'staging' }] }],
        }),
      )
    ).Vpc!.VpcId!;
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.9.1.0/24' }))).Subnet!
      .SubnetId!;
    const image = (await ec2.send(new DescribeImagesCommand({}))).Images?.[0]?.ImageId;
    const launch = async (tags: Record<string, string>) =>
      (
        await ec2.send(
          new RunInstancesCommand({
            ImageId: image,
            InstanceType: 't3.micro',
            MinCount: 1,
            MaxCount: 1,
            SubnetId: subnet,
            TagSpecifications: [
              { ResourceType: 'instance', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
            ],
          }),
        )
      ).Instances![0]!.InstanceId!;
    const web = await launch({ Name: 'web' });
    const api = await launch({ Name: 'api', 'elava:owner': 'team-a', environment: 'production' });
    const tagsOf = (id: string) => ec2TagsOf(ec2, id);

    const pipeline = await startPipeline(stage, {
      account: ACCOUNT,
      region: REGION,
      types: ['ec2.instance'],
      decisions: { ...DEFAULT_DECISIONS, mode: 'enforce', autoTag: true, remediateTags: true },
      data: { elava: { config: { required_tags: ['elava:owner', 'environment'] } } },
    });
    await testExecutor(stage, { prefix: pipeline.prefix });
    const entries = (type: string, native: string) =>
      pipeline.store.audit({ types: [type as 'executed'] }).filter((e) => e.resource_id.endsWith(`:${native}`));

    await pipeline.scan('first');
    // Two findings (each required tag) of one package → one auto_tag decision, which writes both.
    await until(() => entries('executed', web).length >= 1, 'the auto_tag decision of the untagged instance executed');
    expect(await tagsOf(web)).toEqual({ Name: 'web', 'elava:owner': 'platform', environment: 'staging' });
    const calls = entries('executed', web).map((e) =>
      (e.data.calls as { operation: string }[]).map((c) => c.operation),
    );
    expect(calls).toEqual([['CreateTags']]);
    expect(
      entries('executed', web).every((e) => (e.data.claim as { owner: string }).owner.startsWith('executor')),
    ).toBe(true);
    expect(entries('executing', web)).toHaveLength(1);

    // Someone changes the owner and removes the environment of the other instance.
    await ec2.send(new CreateTagsCommand({ Resources: [api], Tags: [{ Key: 'elava:owner', Value: 'nobody' }] }));
    await ec2.send(new DeleteTagsCommand({ Resources: [api], Tags: [{ Key: 'environment' }] }));
    const decidedBefore = pipeline.store.audit({ types: ['decided'] }).length;
    await pipeline.scan('second');
    // The scope's evaluation may fill in the missing environment first (auto_tag, from the VPC);
    // the restore then puts back the exact value over Elava's own default.
    const restored = () =>
      entries('executed', api).some(
        (e) => e.data.action === 'enforce_policy' && (e.data.calls as unknown[]).length > 0,
      );
    await until(restored, 'the tag drift restored');
    expect(await tagsOf(api)).toEqual({ Name: 'api', 'elava:owner': 'team-a', environment: 'production' });

    const acting = (from: number) =>
      pipeline.store
        .audit({ types: ['decided'] })
        .slice(from)
        .map((e) => e.data.decision as Decision)
        .filter((d) => d.action === 'enforce_policy' || d.action === 'auto_tag')
        .map((d) => `${d.action} ${d.resource.id.split(':')[4]}`);
    expect(acting(decidedBefore)).toContain(`enforce_policy ${api}`);
    expect(acting(decidedBefore).filter((a) => a.startsWith('enforce_policy'))).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1_500));
    const beforeThird = pipeline.store.audit({ types: ['decided'] }).length;

    // The next scan sees both instances changed by Elava itself: nothing is decided about those tags.
    await pipeline.scan('third');
    await new Promise((r) => setTimeout(r, 2_000));
    expect(acting(beforeThird)).toEqual([]);
    expect(entries('executed', api).filter((e) => e.data.action === 'enforce_policy')).toHaveLength(1);
    expect(await tagsOf(api)).toEqual({ Name: 'api', 'elava:owner': 'team-a', environment: 'production' });
    expect(await tagsOf(web)).toEqual({ Name: 'web', 'elava:owner': 'platform', environment: 'staging' });
  });
});
