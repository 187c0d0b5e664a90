#!/usr/bin/env node
// bench/scan: (1) normalisation alone on synthetic SDK responses, no network; (2) a moto estate
// of 10,000 volumes in 4 regions scanned by 1, 2 and 4 scanner workers, next to the bare paginated
// SDK calls and to moto's own ceiling (raw HTTP, no SDK) for the same estate. Prints figures.
// Needs Redis and moto: run it under `npm run infra -- up`. ELAVA_BENCH_SCALE=0.1 for a quick look.
import { CreateVolumeCommand, DescribeVolumesCommand, EC2Client, paginateDescribeVolumes } from '@aws-sdk/client-ec2';
import { PROVIDERS } from '@elava/aws';
import { createQueue, createRedis, createWorker, observationPageSchema, QUEUES } from '@elava/bus';
import { createLogger } from '@elava/log';
import { Accounts, createScanner } from '@elava/scanner';
import { encodeResource } from '@elava/store';

const SCALE = Number(process.env.ELAVA_BENCH_SCALE ?? 1);
const MOTO = process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:5000';
const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const log = (s) => console.log(s);
const quiet = createLogger({ service: 'bench', level: 'silent' });

log(`# bench/scan  (node ${process.version}, scale ${SCALE}, moto at ${MOTO})`);

// ------------------------------------------------------------ normalisation alone
{
  const n = Math.round(50_000 * SCALE);
  const instances = Array.from({ length: n }, (_, i) => ({
    InstanceId: `i-${i.toString(16).padStart(17, '0')}`,
    InstanceType: i % 3 ? 't3.micro' : 'm6i.xlarge',
    State: { Name: 'running', Code: 16 },
    LaunchTime: new Date('2026-01-01T00:00:00Z'),
    VpcId: 'vpc-0123456789abcdef0',
    SubnetId: `subnet-${(i % 12).toString(16).padStart(17, '0')}`,
    Placement: { AvailabilityZone: 'us-east-1a' },
    ImageId: 'ami-0123456789abcdef0',
    PrivateIpAddress: `10.0.${(i >> 8) & 255}.${i & 255}`,
    SecurityGroups: [{ GroupId: 'sg-2' }, { GroupId: 'sg-1' }],
    Tags: [
      { Key: 'Name', Value: `web-${i}` },
      { Key: 'environment', Value: 'production' },
      { Key: 'elava:owner', Value: 'team-a' },
    ],
  }));
  const pages = [];
  for (let i = 0; i < n; i += 1000) pages.push({ Reservations: [{ Instances: instances.slice(i, i + 1000) }] });
  // A client whose answers are the recorded pages: what is measured is our code, not the network.
  const fake = Object.create(EC2Client.prototype);
  let next = 0;
  fake.send = async () => ({ ...pages[next], NextToken: ++next < pages.length ? String(next) : undefined });
  fake.config = {};
  const clients = { ec2: fake, stats: { calls: 0, throttles: 0, operations: new Map() } };
  const started = process.hrtime.bigint();
  let count = 0;
  for await (const page of PROVIDERS['ec2.instance'].pages({ account: '123456789012', region: 'us-east-1', clients })) {
    for (const r of page) {
      encodeResource(r);
      count++;
    }
  }
  const s = Number(process.hrtime.bigint() - started) / 1e9;
  log(
    `\n## normalisation: ${fmt(count)} EC2 instances from synthetic SDK responses, normalised and encoded (canonical JSON + hash)`,
  );
  log(`elava  ${fmt(count / s)} resources/s on one core   (target ≥ 50,000)`);
}

// ------------------------------------------------------------ a moto estate
{
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-south-1'];
  const perRegion = Math.round(2_500 * SCALE);
  log(`\n## moto estate: ${fmt(perRegion * regions.length)} volumes in ${regions.length} regions`);
  for (const region of regions) {
    const ec2 = new EC2Client({ region, endpoint: MOTO, credentials });
    const have = (await ec2.send(new DescribeVolumesCommand({}))).Volumes?.length ?? 0;
    for (let i = have; i < perRegion; i++) {
      await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${region}a`, Size: 1 + (i % 100) }));
      if (i % 500 === 0) process.stdout.write(`\r  seeding ${region}: ${i}/${perRegion}`);
    }
    ec2.destroy();
  }
  process.stdout.write('\r');

  // moto's ceiling: the same four answers over raw HTTP, no SDK, no parsing.
  let t0 = process.hrtime.bigint();
  await Promise.all(
    regions.map(async (region) => {
      const res = await fetch(MOTO, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body: 'Action=DescribeVolumes&Version=2016-11-15',
      });
      await res.text();
    }),
  );
  const ceiling = Number(process.hrtime.bigint() - t0) / 1e9;

  // The bare paginated SDK calls, the four regions in parallel.
  t0 = process.hrtime.bigint();
  let bareCount = 0;
  await Promise.all(
    regions.map(async (region) => {
      const ec2 = new EC2Client({ region, endpoint: MOTO, credentials });
      for await (const page of paginateDescribeVolumes({ client: ec2 }, {})) bareCount += page.Volumes?.length ?? 0;
      ec2.destroy();
    }),
  );
  const bare = Number(process.hrtime.bigint() - t0) / 1e9;
  log(
    `moto   raw HTTP, no SDK          ${ceiling.toFixed(2)} s  (${fmt(bareCount / ceiling)} resources/s: the emulator's ceiling)`,
  );
  log(`sdk    bare paginated calls      ${bare.toFixed(2)} s  (${fmt(bareCount / bare)} resources/s)`);

  for (const workers of [1, 2, 4]) {
    const prefix = `bench-scan-${Date.now()}-${workers}`;
    const conns = [];
    const redis = () => {
      const c = createRedis(REDIS, 'worker');
      conns.push(c);
      return c;
    };
    const scanners = Array.from({ length: workers }, () =>
      createScanner({
        producer: redis(),
        consumer: redis(),
        accounts: new Accounts({ accounts: [], aws: { endpoint: MOTO }, regions }),
        endpoint: MOTO,
        log: quiet,
        prefix,
        concurrency: 1,
      }),
    );
    let finals = 0;
    let resources = 0;
    const sink = createWorker(
      QUEUES.observations,
      async (page) => {
        resources += page.resources.length;
        if (page.final) finals++;
      },
      { connection: redis(), prefix, schema: observationPageSchema, log: quiet, concurrency: 16 },
    );
    const queue = createQueue(QUEUES.scan, { connection: redis(), prefix });
    const started = process.hrtime.bigint();
    for (const region of regions) {
      await queue.add('scan', {
        scan_id: `${prefix}-${region}`,
        scope: { account: '123456789012', region, type: 'ec2.volume' },
        requested_by: 'cli',
      });
    }
    while (finals < regions.length) await new Promise((r) => setTimeout(r, 10));
    const s = Number(process.hrtime.bigint() - started) / 1e9;
    log(
      `elava  ${workers} scanner worker(s)       ${s.toFixed(2)} s  (${fmt(resources / s)} resources/s, ${(s / bare).toFixed(2)}× the bare SDK calls; target ≤ 1.2×)`,
    );
    await sink.close();
    await queue.close();
    for (const sc of scanners) await sc.close();
    for (const c of conns) c.disconnect();
  }
}
