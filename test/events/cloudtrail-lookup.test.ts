import { AuthorizeSecurityGroupIngressCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CloudTrailLookup } from '@elava/aws';
import { createRedis, RedisRateLimiter } from '@elava/bus';
import { type Actor, parseResourceId } from '@elava/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, assumedRole, iamUser, record } from '../support/cloudtrail.js';
import { startCloudTrailServer } from '../support/cloudtrail-server.js';
import { startEventPath, until } from '../support/events.js';
import { awsClientConfig, infra, unique } from '../support/infra.js';
import { resetMoto, seedRegion } from '../support/seed.js';
import { useStage } from '../support/stage.js';

/**
 * attribution.cloudtrail_lookup. moto does not implement CloudTrail LookupEvents (it answers
 * 500), so these tests ask a local HTTP server that answers in the documented shape instead,
 * with paging and throttling (test/support/cloudtrail-server.ts); the rate budget is real Redis.
 */

const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().replace(/\.\d+Z$/, 'Z');

describe('who made a change a sweep saw: CloudTrail LookupEvents', () => {
  let server: Awaited<ReturnType<typeof startCloudTrailServer>>;
  const redis = createRedis(infra().redis, 'producer');
  beforeAll(async () => {
    server = await startCloudTrailServer({ pageSize: 2 });
  });
  afterAll(async () => {
    await server.close();
    redis.disconnect();
  });
  const lookup = (rate = 100, prefix = unique('elava-ct')) => {
    const budget = new RedisRateLimiter(redis, { rate, burst: rate >= 100 ? 100 : 2 }, prefix);
    return new CloudTrailLookup({ access: async () => ({}), endpoint: server.url, take: (k) => budget.take(k) });
  };

  it('reads page after page for the newest successful write of the resource’s own service, through a throttle', async () => {
    const id = 'i-0lookup1';
    const on = (minutesAgo: number, o: Parameters<typeof record>[0]) =>
      server.events.push({ record: record({ ...o, time: iso(minutesAgo * 60_000) }), resources: [id] });
    on(1, { source: 'ec2.amazonaws.com', name: 'DescribeInstances', identity: iamUser('reader'), readOnly: true });
    on(2, { source: 'ec2.amazonaws.com', name: 'CreateTags', identity: iamUser('refused'), errorCode: 'AccessDenied' });
    on(3, { source: 'ssm.amazonaws.com', name: 'AddTagsToResource', identity: iamUser('other-service') });
    on(4, {
      source: 'ec2.amazonaws.com',
      name: 'ModifyInstanceAttribute',
      identity: assumedRole('deployer', 'ci-9', { sourceIdentity: 'alice' }),
    });
    on(5, { source: 'ec2.amazonaws.com', name: 'CreateTags', identity: iamUser('bob') });
    // Outside the window: never the answer, however it looks.
    on(90, { source: 'ec2.amazonaws.com', name: 'CreateTags', identity: iamUser('long-ago') });

    server.throttle(1);
    const from = server.requests.length;
    const window = { start: new Date(Date.now() - 30 * 60_000), end: new Date() };
    const actor = await lookup().actorFor(
      { account: ACCOUNT, region: 'us-east-1', type: 'ec2.instance', nativeId: id },
      window,
    );
    expect(actor).toMatchObject({
      principal_arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci-9`,
      session_issuer: `arn:aws:iam::${ACCOUNT}:role/deployer`,
      source_identity: 'alice',
      event_name: 'ModifyInstanceAttribute',
      via: 'sweep',
    } satisfies Partial<Actor>);
    const asked = server.requests.slice(from);
    // One throttled, retried; then two pages of two (the newest four events of the window).
    expect(asked.map((r) => r.throttled)).toEqual([true, false, false]);
    expect(asked[1]?.body.LookupAttributes).toEqual([{ AttributeKey: 'ResourceName', AttributeValue: id }]);
    expect(asked[1]?.body.StartTime).toBe(window.start.getTime() / 1000);
    expect(asked[2]?.body.NextToken).toBe('2');
    // No write in the window: no actor, rather than a guess.
    expect(
      await lookup().actorFor(
        { account: ACCOUNT, region: 'us-east-1', type: 'ec2.instance', nativeId: 'i-0nobody' },
        window,
      ),
    ).toBeUndefined();
  });

  it('keeps to 2 calls a second per account and region, shared by every instance', async () => {
    for (let i = 0; i < 8; i++)
      server.events.push({
        record: record({ source: 'iam.amazonaws.com', name: 'TagRole', identity: iamUser('u'), time: iso(1_000) }),
        resources: [`role-${i}`],
      });
    const prefix = unique('elava-ct-shared');
    const [a, b] = [lookup(2, prefix), lookup(2, prefix)];
    const from = server.requests.length;
    const started = Date.now();
    const window = { start: new Date(Date.now() - 60_000), end: new Date() };
    const actors = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? a : b).actorFor(
          { account: ACCOUNT, region: 'global', type: 'iam.role', nativeId: `role-${i}` },
          window,
        ),
      ),
    );
    expect(actors.every((x) => x?.event_name === 'TagRole')).toBe(true);
    const times = server.requests.slice(from).map((r) => r.at);
    expect(times).toHaveLength(8);
    // A burst of 2, then 2 a second: 8 calls take about 3 s; in any 2 s, at most the burst and 4 more.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 2_000).length).toBeLessThanOrEqual(6);
  });

  describe('in the detector', () => {
    const stage = useStage(async () => {
      await resetMoto(infra().moto);
      seeded = await seedRegion(infra().moto, 'us-east-1', { volumes: 1 });
    });
    let seeded: Awaited<ReturnType<typeof seedRegion>>;

    it('a change only a sweep saw carries who made it (via sweep), and history shows it', async () => {
      const ct = lookup();
      const path = await startEventPath(stage, {
        types: ['ec2.security_group'],
        attribute: (id, window) => {
          const p = parseResourceId(id);
          return ct.actorFor({ account: p.account, region: p.region, type: p.type, nativeId: p.nativeId }, window);
        },
      });
      await path.sweep('baseline');
      const resource = `aws:${ACCOUNT}:us-east-1:ec2.security_group:${seeded.sg}`;
      // The baseline's appearances are the estate found: let them arrive before counting.
      await until(() => path.changes.some((c) => c.resource_id === resource), 'the baseline');
      expect(path.changes.every((c) => c.type === 'appeared' && c.baseline && !c.actor)).toBe(true);
      const ec2 = new EC2Client(awsClientConfig());
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: seeded.sg,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8443, ToPort: 8443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        }),
      );
      ec2.destroy();
      server.events.push({
        record: record({
          source: 'ec2.amazonaws.com',
          name: 'AuthorizeSecurityGroupIngress',
          identity: iamUser('mallory'),
          request: { groupId: seeded.sg },
        }),
        resources: [seeded.sg],
      });
      path.changes.length = 0;
      await path.sweep('after');
      await until(() => path.changes.some((c) => c.resource_id === resource), 'the swept change');
      const change = path.changes.find((c) => c.resource_id === resource);
      expect(change?.type).toBe('modified');
      expect(change?.actor).toMatchObject({
        principal_arn: `arn:aws:iam::${ACCOUNT}:user/mallory`,
        event_name: 'AuthorizeSecurityGroupIngress',
        via: 'sweep',
      });
      await until(() => path.store.audit({ types: ['attributed'], resource }).length === 1, 'the attribution recorded');
      const history = JSON.parse(path.reader.answer('history', { id: resource })).items as { actor?: Actor }[];
      expect(history.at(-1)?.actor?.via).toBe('sweep');
      expect(history.at(-1)?.actor?.principal_arn).toBe(`arn:aws:iam::${ACCOUNT}:user/mallory`);
      await ct.destroy();
    });
  });
});
