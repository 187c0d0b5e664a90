#!/usr/bin/env node
// bench/scan/accounts: a whole AWS Organization on moto. ELAVA_BENCH_ACCOUNTS member accounts
// (default 200; ELAVA_BENCH_SCALE scales it) made with CreateAccount in an OU of this run, each
// seeded through its own OrganizationAccountAccessRole with ELAVA_BENCH_PER_TYPE (default 1) of
// each of the 30 newer types in two regions (the older types: what moto makes in every account,
// default VPC, subnets, security groups, route tables and so on). Then the real scanner process
// (services/scanner/dist/main.js) with `accounts: organization` scans every scope the scheduler
// plans for them, every type in 2 regions (the global types once per account), from one queue.
// Prints the scanner's RSS (sampled, and its peak), the time of each full sweep, API calls per
// account and AssumeRole calls. Target: scanner RSS < 300 MiB at 200 accounts. The scanner runs with
// its manifest's heap flags, as `elava up` runs it; ELAVA_BENCH_SCANNER_NODE_OPTIONS adds to them
// (`--max-old-space-size=4096 --max-semi-space-size=32` shows V8's defaults on a large machine).
// Needs moto (AWS_ENDPOINT_URL, default :5000) and Redis (REDIS_URL): run it under `npm run infra -- up`.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  AlreadyInOrganizationException,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AccountList, accountAccess, Organization } from '@elava/aws';
import { createQueue, createRedis, createWorker, QUEUES } from '@elava/bus';
import { discoverServices, nodeOptions } from '@elava/cli';
import { parseConfig } from '@elava/config';
import { seedEveryType } from '@elava/demo';
import { createLogger } from '@elava/log';
import { planScopes } from '@elava/scheduler';
import { QueueEvents } from 'bullmq';
import { z } from 'zod';

const SCALE = Number(process.env.ELAVA_BENCH_SCALE ?? 1);
const ACCOUNTS = Math.max(1, Math.round(Number(process.env.ELAVA_BENCH_ACCOUNTS ?? 200) * SCALE));
const PER_TYPE = Math.max(0, Number(process.env.ELAVA_BENCH_PER_TYPE ?? 1));
const SWEEPS = Math.max(1, Number(process.env.ELAVA_BENCH_SWEEPS ?? 2));
const CONCURRENCY = Number(process.env.ELAVA_SCANNER_CONCURRENCY ?? 8);
const MOTO = process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:5000';
const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REGIONS = ['us-east-1', 'eu-west-1'];
const ROLE = 'OrganizationAccountAccessRole';
const ROOT = resolve(import.meta.dirname, '../..');
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
const testing = async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' });
const quiet = createLogger({ service: 'bench', level: 'silent' });
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const mib = (kb) => (kb / 1024).toFixed(0);
const log = (s) => console.log(s);
const now = () => performance.now();
const run = randomUUID().slice(0, 8);

log(
  `# bench/scan/accounts  (node ${process.version}, ${ACCOUNTS} accounts × ${REGIONS.length} regions, every type, moto at ${MOTO})`,
);

// ------------------------------------------------------------------ the organization
const orgs = new OrganizationsClient({ region: 'us-east-1', endpoint: MOTO, credentials: testing });
try {
  await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
} catch (err) {
  // A moto that already holds an organization (an earlier run): this run's accounts get an OU of their own.
  if (!(err instanceof AlreadyInOrganizationException)) throw err;
}
const root = (await orgs.send(new ListRootsCommand({}))).Roots?.[0]?.Id;
const ou = (await orgs.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: `bench-${run}` })))
  .OrganizationalUnit?.Id;
let t0 = now();
const members = [];
for (let i = 0; i < ACCOUNTS; i++) {
  const made = await orgs.send(
    new CreateAccountCommand({ AccountName: `bench-${run}-${i}`, Email: `bench-${run}-${i}@example.com` }),
  );
  const id = made.CreateAccountStatus?.AccountId;
  await orgs.send(new MoveAccountCommand({ AccountId: id, SourceParentId: root, DestinationParentId: ou }));
  members.push(id);
}
orgs.destroy();
log(`organization: ${ACCOUNTS} accounts made in OU ${ou} in ${((now() - t0) / 1000).toFixed(1)} s`);

// ------------------------------------------------------------------ an estate in each account
t0 = now();
let seeded = 0;
if (PER_TYPE > 0) {
  let next = 0;
  // Four accounts at a time (moto is one process); each account's regions one after the other.
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < members.length) {
        const i = next++;
        const id = members[i];
        // Bucket names are global: a prefix of its own for each account.
        const prefix = `b${run.slice(0, 6)}-${i}`;
        const access = await accountAccess(
          { id, role_arn: `arn:aws:iam::${id}:role/${ROLE}` },
          { region: 'us-east-1', endpoint: MOTO, sessionName: 'elava-bench-seed' },
        );
        const credentials = await access.credentials();
        for (const [k, region] of REGIONS.entries()) {
          const ids = await seedEveryType(MOTO, region, {
            prefix,
            count: PER_TYPE,
            global: k === 0,
            credentials,
            concurrency: 4,
          });
          seeded += Object.values(ids).reduce((s, x) => s + x.length, 0);
        }
      }
    }),
  );
}
log(
  `seeded ${fmt(seeded)} resources (${PER_TYPE} of each newer type per scope) in ${((now() - t0) / 1000).toFixed(1)} s`,
);

// ------------------------------------------------------------------ the scanner process
const prefix = `bench-acct-${run}`;
const dir = mkdtempSync(join(tmpdir(), 'elava-bench-accounts-'));
const configPath = join(dir, 'elava.yaml');
const yaml = `version: "2.0"
regions: [${REGIONS.join(', ')}]
accounts: organization
organization: { role_name: ${ROLE}, include_ous: [${ou}], refresh_interval: 15m }
aws: { endpoint: "${MOTO}" }
redis: { url: "${REDIS}" }
storage: { dir: "${join(dir, 'data')}" }
`;
writeFileSync(configPath, yaml);
const config = parseConfig(yaml, configPath, {});

// The plan the scheduler makes from the organization's account list.
const list = new AccountList({
  accounts: [],
  organization: new Organization(config.organization, { region: 'us-east-1', endpoint: MOTO }),
  region: 'us-east-1',
});
const watched = await list.current();
const { scopes } = planScopes(
  config,
  watched.accounts.map((a) => a.id),
);
const perAccount = scopes.length / watched.accounts.length;
log(
  `discovered ${watched.accounts.length} accounts (include_ous ${ou}); ${fmt(scopes.length)} scopes, ${perAccount} per account`,
);

const port = await new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});
// As `elava up` runs it: with the heap flags of its manifest (services/scanner/package.json).
const manifest = discoverServices(ROOT).find((s) => s.name === 'scanner');
const scanner = spawn(process.execPath, [manifest.entry], {
  env: {
    ...process.env,
    ...nodeOptions(manifest.nodeFlags, process.env.ELAVA_BENCH_SCANNER_NODE_OPTIONS),
    ELAVA_CONFIG: configPath,
    ELAVA_REDIS_PREFIX: prefix,
    ELAVA_HTTP_PORT: String(port),
    ELAVA_SCANNER_CONCURRENCY: String(CONCURRENCY),
    ELAVA_LOG_LEVEL: 'warn',
    // moto answers far faster than AWS allows: the shared budget is not what this measures.
    ELAVA_AWS_RATE: process.env.ELAVA_AWS_RATE ?? '1000',
    ELAVA_AWS_BURST: process.env.ELAVA_AWS_BURST ?? '2000',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const status = () => {
  const s = readFileSync(`/proc/${scanner.pid}/status`, 'utf8');
  const kb = (k) => Number(s.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm'))?.[1] ?? 0);
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
};
const metrics = async () => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (name) => Number(text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm'))?.[1] ?? 0);
  return {
    calls: value('elava_aws_calls_total'),
    assumes: value('elava_aws_assume_role_total'),
    heap: value('nodejs_heap_size_used_bytes') / 2 ** 20,
    heapTotal: value('nodejs_heap_size_total_bytes') / 2 ** 20,
  };
};
for (let i = 0; ; i++) {
  if (scanner.exitCode !== null) throw new Error(`the scanner exited with ${scanner.exitCode}`);
  const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
    (r) => r.ok,
    () => false,
  );
  if (ok) break;
  if (i > 300) throw new Error('the scanner did not become ready in 30 s');
  await new Promise((r) => setTimeout(r, 100));
}
log(
  `scanner ready (pid ${scanner.pid}, concurrency ${CONCURRENCY}, NODE_OPTIONS ${nodeOptions(manifest.nodeFlags, process.env.ELAVA_BENCH_SCANNER_NODE_OPTIONS).NODE_OPTIONS ?? 'none'}): rss ${mib(status().rss)} MiB`,
);

// The recorder's side: pages taken and counted, nothing kept.
const producer = createRedis(REDIS, 'producer');
const queue = createQueue(QUEUES.scan, {
  connection: producer,
  prefix,
  defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
});
let resources = 0;
const pages = createWorker(
  QUEUES.observations,
  async (page) => {
    resources += page.resources.length;
  },
  {
    connection: createRedis(REDIS, 'worker'),
    prefix,
    schema: z.object({ resources: z.array(z.unknown()) }).passthrough(),
    log: quiet,
    concurrency: 50,
    worker: { removeOnComplete: { count: 0 } },
  },
);
const audit = createWorker(QUEUES.audit, async () => {}, {
  connection: createRedis(REDIS, 'worker'),
  prefix,
  schema: z.unknown(),
  log: quiet,
  concurrency: 50,
  worker: { removeOnComplete: { count: 0 } },
});
const events = new QueueEvents(QUEUES.scan, { connection: createRedis(REDIS, 'worker'), prefix });
await events.waitUntilReady();

async function cleanUp() {
  if (scanner.exitCode === null) {
    scanner.kill('SIGTERM');
    await new Promise((r) => scanner.once('exit', r));
  }
  await events.close();
  await pages.close();
  await audit.close();
  for (const name of Object.values(QUEUES))
    await createQueue(name, { connection: producer, prefix })
      .obliterate({ force: true })
      .catch(() => {});
  // Scan markers and the account status keys of this run.
  let cursor = '0';
  do {
    const [next, keys] = await producer.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await producer.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await queue.close();
  producer.disconnect();
  rmSync(dir, { recursive: true, force: true });
}
process.on('SIGINT', () => void cleanUp().then(() => process.exit(130)));

// ------------------------------------------------------------------ full sweeps
try {
  log(`\n## ${SWEEPS} full sweeps of ${fmt(scopes.length)} scopes`);
  log(
    'sweep      seconds   scopes/s   failed   resources   API calls   calls/account   AssumeRole   rss MiB (peak)   heap MiB used/total',
  );
  for (let sweep = 1; sweep <= SWEEPS; sweep++) {
    const calls = new Map();
    let done = 0;
    let failed = 0;
    let peak = 0;
    const before = await metrics();
    const resourcesBefore = resources;
    const finished = new Promise((res) => {
      const onDone = ({ returnvalue }) => {
        const s = typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue;
        const account = String(s?.scope ?? '').split('/')[0];
        calls.set(account, (calls.get(account) ?? 0) + (s?.calls ?? 0));
        if (s?.status === 'failed') failed++;
        if (++done === scopes.length) res();
      };
      events.on('completed', onDone);
      events.on('failed', () => {
        failed++;
        if (++done === scopes.length) res();
      });
    });
    const sampler = setInterval(() => {
      peak = Math.max(peak, status().rss);
    }, 100);
    const t = now();
    await queue.addBulk(
      scopes.map((s) => ({
        name: 'scan',
        data: {
          scan_id: `bench-${run}-${sweep}-${s.key.replace(/[^A-Za-z0-9_.-]/g, '_')}`,
          scope: s.scope,
          requested_by: 'cli',
        },
      })),
    );
    await finished;
    const seconds = (now() - t) / 1000;
    clearInterval(sampler);
    events.removeAllListeners('completed');
    events.removeAllListeners('failed');
    await new Promise((r) => setTimeout(r, 500)); // the last pages through the recorder's side
    const after = await metrics();
    const st = status();
    peak = Math.max(peak, st.rss);
    const per = [...calls.values()];
    const mean = per.reduce((a, b) => a + b, 0) / Math.max(1, per.length);
    log(
      `${String(sweep).padStart(5)} ${seconds.toFixed(1).padStart(12)} ${fmt(scopes.length / seconds).padStart(10)} ${String(failed).padStart(8)} ${fmt(resources - resourcesBefore).padStart(11)} ${fmt(after.calls - before.calls).padStart(11)} ${`${fmt(mean)} (${fmt(Math.min(...per))}–${fmt(Math.max(...per))})`.padStart(15)} ${fmt(after.assumes - before.assumes).padStart(12)} ${`${mib(st.rss)} (${mib(peak)})`.padStart(16)} ${`${fmt(after.heap)}/${fmt(after.heapTotal)}`.padStart(21)}`,
    );
  }
  const end = status();
  log(
    `\nscanner rss ${mib(end.rss)} MiB, peak ${mib(end.hwm)} MiB over the run (target < 300 MiB at 200 accounts); AssumeRole once per member account, not per scan`,
  );
} finally {
  await cleanUp();
}
