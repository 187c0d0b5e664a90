#!/usr/bin/env node
// bench/pipeline: the recorder and the detector as their own processes (dist/main.js) on a real
// Redis and NATS, fed observation pages the way scanners send them, for a synthetic estate of
// 100,000 instances in 10 scopes (pages of 500). Prints:
//   1. the initial load (every resource appears; its pages are queued before the clock starts, as
//      the scanners that make them run in processes of their own),
//   2. throughput of full scans with 1% churn, back to back (observations/s through recorder and
//      detector, until every change is on NATS),
//   3. latency with an unsaturated pipeline: one scope's scan at a time, from its last page being
//      queued to each change on NATS (p50/p95/p99).
// Needs Redis and NATS: run it under `npm run infra -- up`. ELAVA_BENCH_SCALE=0.1 for a quick look;
// ELAVA_BENCH_PARTS=load (or churn, latency; comma-separated) runs only those parts,
// ELAVA_BENCH_PAGE sets the page size (500), and BENCH_PROFILE=<dir> writes each service's CPU
// profile there. The throughput parts count what ELAVA_CHANGES took in and read it back afterwards,
// off the clock; nothing else may publish changes meanwhile (the read-back refuses the figure).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  connectNats,
  createQueue,
  createRedis,
  DocumentStash,
  ensureStreams,
  jetstream,
  packPage,
  QUEUES,
} from '@elava/bus';
import { createLogger } from '@elava/log';
import { encodeResource } from '@elava/store';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';

const SCALE = Number(process.env.ELAVA_BENCH_SCALE ?? 1);
const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const NATS = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const SCOPES = 10;
const PER_SCOPE = Math.round(10_000 * SCALE);
const PAGE = Number(process.env.ELAVA_BENCH_PAGE ?? 500);
const CHURN = 0.01;
const CHURN_SCANS = 5;
const PARTS = new Set((process.env.ELAVA_BENCH_PARTS ?? 'load,churn,latency').split(',').map((p) => p.trim()));
const ROOT = resolve(import.meta.dirname, '../..');
const quiet = createLogger({ service: 'bench', level: 'silent' });
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const log = (s) => console.log(s);
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

const total = SCOPES * PER_SCOPE;
log(`# bench/pipeline  (node ${process.version}, ${fmt(total)} resources in ${SCOPES} scopes, pages of ${PAGE})`);

// ---------------------------------------------------------------- the cluster under test
const run = randomUUID().slice(0, 8);
const prefix = `bench-pipe-${run}`;
const account = String(200_000_000_000 + Math.floor(Math.random() * 799_999_999_999));
const dir = mkdtempSync(join(tmpdir(), 'elava-bench-pipe-'));
const config = join(dir, 'elava.yaml');
writeFileSync(
  config,
  `version: "2.0"\nstorage: { dir: "${join(dir, 'data')}" }\nredis: { url: "${REDIS}" }\nnats: { url: "${NATS}" }\nbehavior: { grace_period: 0s }\n`,
);
const env = { ...process.env, ELAVA_CONFIG: config, ELAVA_QUEUE_PREFIX: prefix, ELAVA_LOG_LEVEL: 'warn' };
const producer = createRedis(REDIS, 'producer');
const stash = new DocumentStash(producer, prefix);
const pages = createQueue(QUEUES.observations, {
  connection: producer,
  prefix,
  defaultJobOptions: { removeOnComplete: { count: 100 } },
});
// Stands in for the policy service, which is not measured here: empties the detector's policy
// queue twice a second so Redis does not fill up, without fetching and parsing each job (a worker
// doing that took a fifth of the two cores from what is measured).
const policyJobs = createQueue(QUEUES.policy, { connection: createRedis(REDIS, 'producer'), prefix });
const drain = setInterval(() => void policyJobs.drain().catch(() => {}), 500);

const nc = await connectNats(NATS, 'bench-pipeline', quiet);
await ensureStreams(nc);
/** Arrival time of each change id of this run (latency part only), and of each `scan_completed` scan id. */
const arrived = new Map();
const completed = new Map();
const mine = `aws:${account}:`;
const js = jetstream(nc);
const jsm = await js.jetstreamManager();
/**
 * A consumer of this run's own, without acks, deleted when done and by the server 30 s after the
 * bench stopped reading (a killed run). Ordered consumers were left behind by runs that exited: each
 * kept every later message pending, and nats-server's CPU for the same run grew to three times.
 */
async function readStream(stream, config, onMsg) {
  const { name } = await jsm.consumers.add(stream, {
    ack_policy: AckPolicy.None,
    inactive_threshold: 30_000_000_000,
    ...config,
  });
  const messages = await (await js.consumers.get(stream, name)).consume();
  const done = (async () => {
    for await (const m of messages) if (onMsg(m) === false) break;
  })();
  return {
    done,
    async close() {
      await messages.close();
      await jsm.consumers.delete(stream, name).catch(() => {});
    },
  };
}
const watch = (stream, subject, onMsg) =>
  readStream(stream, { filter_subject: subject, deliver_policy: DeliverPolicy.New }, (m) => void onMsg(m));

/**
 * How many changes the stream has taken in since `from` (a sequence). The throughput parts count
 * the stream rather than receive its messages: a subscriber taking 100,000 documents (100 MB)
 * cost the bench 1.3 CPU-seconds and nats-server about one more to deliver them, a sixth of the
 * two cores the pipeline runs on. It is asked every 25 ms (a figure is late by that at most, 0.5%
 * of a first scan); what was counted is checked afterwards, off the clock (`check`).
 */
let stored = 0;
let asking = false;
const poll = setInterval(async () => {
  if (asking) return;
  asking = true;
  try {
    stored = (await jsm.streams.info('ELAVA_CHANGES')).state.last_seq;
  } catch {} // the next tick asks again
  asking = false;
}, 25);
async function streamSeq() {
  return (await jsm.streams.info('ELAVA_CHANGES')).state.last_seq;
}
/**
 * Reads back the `count` messages after sequence `from`: each must be a change of this run's
 * account, each change id once. Anything else on ELAVA_CHANGES meanwhile (another run or test)
 * would have been counted as this run's, so the figure is refused.
 */
async function check(from, count, what) {
  const ownResource = Buffer.from(`"resource_id":"${mine}`);
  const ids = new Set();
  let foreign = 0;
  let read = 0;
  const reader = await readStream(
    'ELAVA_CHANGES',
    { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from + 1 },
    (m) => {
      const data = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
      if (data.includes(ownResource)) ids.add(m.headers?.get('Nats-Msg-Id'));
      else foreign++;
      return ++read < count;
    },
  );
  let timer;
  await Promise.race([reader.done, new Promise((r) => (timer = setTimeout(r, 60_000)))]);
  clearTimeout(timer);
  await reader.close();
  if (read < count) throw new Error(`${what}: only ${read} of ${count} changes could be read back`);
  if (foreign > 0 || ids.size !== count)
    throw new Error(
      `${what}: of the ${count} messages counted, ${foreign} were not this run's and ${count - foreign - ids.size} repeated a change id; the figure is void (was something else publishing changes?)`,
    );
}

// The latency part times each change: a plain subscription (no consumer for the server to keep,
// no per-message JetStream metadata to decode) reads its id from the message id and looks for
// this run's account in the bytes. The server routes a message to it as the stream takes it in.
function watchChanges() {
  const ownResource = Buffer.from(`"resource_id":"${mine}`);
  return nc.subscribe('elava.changes.>', {
    callback: (err, m) => {
      if (err) return;
      const data = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
      const id = m.headers?.get('Nats-Msg-Id');
      if (id && data.includes(ownResource)) arrived.set(id, performance.now());
    },
  });
}
let changes = null;
const wal = await watch('ELAVA_WAL', 'elava.wal.scan_completed', (m) => {
  completed.set(m.json().data.scan_id, performance.now());
});

// The processes start once everything watching them is in place.
const procs = ['recorder', 'detector'].map((name) =>
  spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : []),
      join(ROOT, 'services', name, 'dist', 'main.js'),
    ],
    {
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  ),
);
/**
 * One step of the clean-up, given 10 s: a step that never settles (seen after full runs, with the
 * figures printed) would otherwise keep the bench alive and anything piping its output waiting.
 */
async function step(name, fn) {
  let timer;
  const late = new Promise((r) => {
    timer = setTimeout(() => r('late'), 10_000);
  });
  const outcome = await Promise.race([
    Promise.resolve()
      .then(fn)
      .catch(() => {}),
    late,
  ]);
  clearTimeout(timer);
  if (outcome === 'late') process.stderr.write(`clean-up: ${name} did not finish in 10 s; moving on\n`);
}
async function cleanUp() {
  await step('closing the change watcher', () => changes?.unsubscribe());
  clearInterval(poll);
  await step('closing the trail watcher', () => wal.close());
  for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
  await step('stopping the services', () =>
    Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : null))),
  );
  clearInterval(drain);
  await step('closing the policy queue', () => policyJobs.close());
  await step('closing the page queue', () => pages.close());
  // Every queue of this run's prefix (the recorder keeps its last deltas jobs, documents and all):
  // runs one after another would otherwise fill Redis, and slow it with ever larger snapshots.
  for (const name of Object.values(QUEUES)) {
    const q = createQueue(name, { connection: producer, prefix });
    await step(`removing the ${name} queue`, () => q.obliterate({ force: true }));
    await step(`closing the ${name} queue`, () => q.close());
  }
  producer.disconnect();
  await step('draining NATS', () => nc.drain());
  rmSync(dir, { recursive: true, force: true });
}
process.on('SIGINT', () => void cleanUp().then(() => process.exit(130)));

// ---------------------------------------------------------------- the synthetic estate
const regions = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'eu-west-1',
  'eu-west-2',
  'eu-central-1',
  'eu-north-1',
  'ap-southeast-1',
  'ap-northeast-1',
].slice(0, SCOPES);
function instance(region, i, round) {
  const native = `i-${i.toString(16).padStart(17, '0')}`;
  return {
    id: `aws:${account}:${region}:ec2.instance:${native}`,
    provider: 'aws',
    account,
    region,
    type: 'ec2.instance',
    native_id: native,
    name: `web-${i}`,
    status: 'running',
    tags: { Name: `web-${i}`, environment: 'production', 'elava:owner': 'team-a', rev: String(round) },
    attributes: {
      instance_type: 't3.micro',
      state: 'running',
      vpc_id: 'vpc-0123456789abcdef0',
      subnet_id: `subnet-${(i % 12).toString(16).padStart(17, '0')}`,
      availability_zone: `${region}a`,
      image_id: 'ami-0123456789abcdef0',
      private_ip: `10.0.${(i >> 8) & 255}.${i & 255}`,
      launch_time: '2026-01-01T00:00:00.000Z',
      security_group_ids: ['sg-1', 'sg-2'],
    },
  };
}
const estate = regions.map((region) =>
  Array.from({ length: PER_SCOPE }, (_, i) => encodeResource(instance(region, i, 0))),
);
let clock = Date.UTC(2026, 10, 22);

/** Queues one scope's scan; returns when its last page was queued and the change count expected. */
async function scanScope(s, scanId, churn, round) {
  const list = estate[s];
  let expected = 0;
  if (churn > 0) {
    const n = Math.round(list.length * churn);
    const picked = new Set();
    while (picked.size < n) picked.add(Math.floor(Math.random() * list.length));
    for (const i of picked) list[i] = encodeResource(instance(regions[s], i, round));
    expected = n;
  } else expected = list.length;
  clock += 1000;
  const observedAt = new Date(clock).toISOString();
  const count = Math.ceil(list.length / PAGE);
  const jobs = [];
  for (let p = 0; p < count; p++) {
    const last = p === count - 1;
    const data = {
      scan_id: scanId,
      page_id: `${scanId}@1#${p}`,
      page: p,
      attempt: 1,
      scope: { account, region: regions[s], type: 'ec2.instance' },
      observed_at: observedAt,
      resources: list.slice(p * PAGE, (p + 1) * PAGE),
      ...(last ? { final: { status: 'complete', count: list.length, pages: count, seen: list.map((r) => r.id) } } : {}),
    };
    jobs.push(data);
  }
  // As scanners send them (DocumentStash.sendPage): each page's documents beside its job, in bulk.
  const put = producer.pipeline();
  const queued = jobs.map((data) => {
    const key = stash.key(`page.${data.page_id}`);
    const { page, blob } = packPage(data, key);
    if (blob) put.set(key, blob, 'EX', 3_600, 'NX');
    return { name: 'page', data: page, opts: { jobId: data.page_id } };
  });
  await put.exec();
  await pages.addBulk(queued);
  return { lastQueued: performance.now(), expected };
}

/**
 * CPU seconds used so far by each service and by this process (Linux /proc; empty elsewhere): on
 * two shared cores the processes' CPU, not the profile's wall time, says what a change saves.
 */
function cpuSeconds() {
  const usage = process.cpuUsage();
  const out = { bench: (usage.user + usage.system) / 1e6 };
  const of = (pid) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  try {
    for (const [i, name] of ['recorder', 'detector'].entries()) out[name] = of(procs[i].pid);
    // The servers, when they run on this machine (as `npm run infra -- up` starts them).
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        if (comm === 'nats-server' || comm === 'redis-server') out[comm] = (out[comm] ?? 0) + of(pid);
      } catch {} // gone meanwhile
    }
  } catch {}
  return out;
}
const cpuSince = (before) =>
  Object.entries(cpuSeconds())
    .map(([k, v]) => `${k} ${(v - (before[k] ?? 0)).toFixed(1)} s`)
    .join(', ');

/** The sequence the current part counts changes from. */
let base = 0;
async function until(check, what, ms = 600_000) {
  const deadline = Date.now() + ms;
  let shown = Date.now();
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    if (Date.now() - shown > 5_000) {
      const so = changes ? arrived.size : Math.max(0, stored - base);
      process.stderr.write(`  … ${what}: ${fmt(so)} changes on NATS so far\n`);
      shown = Date.now();
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

try {
  // Warm-up: one page through both processes, so start-up time is not measured.
  {
    const warm = encodeResource({
      ...instance('us-east-1', 0, 0),
      id: `aws:${account}:us-east-1:ec2.vpc:vpc-warm`,
      type: 'ec2.vpc',
      native_id: 'vpc-warm',
    });
    await pages.add('page', {
      scan_id: 'warm',
      page_id: 'warm@1#0',
      page: 0,
      attempt: 1,
      scope: { account, region: 'us-east-1', type: 'ec2.vpc' },
      observed_at: new Date(clock).toISOString(),
      resources: [warm],
    });
    base = await streamSeq();
    await until(() => stored >= base + 1, 'the services to start', 60_000);
  }

  // 1. Initial load. The scanners' part (reading the estate and queueing its pages) runs on other
  // processes, often other machines: its pages are queued while the queue is paused, and the clock
  // (and the CPU count) starts when the recorder may take them.
  const firstIds = regions.map((_, s) => `load-${s}`);
  await pages.pause();
  for (let s = 0; s < SCOPES; s++) await scanScope(s, firstIds[s], 0, 0);
  base = await streamSeq();
  let t0 = performance.now();
  const cpu0 = cpuSeconds();
  await pages.resume();
  await until(() => firstIds.every((id) => completed.has(id)), 'the initial load recorded');
  const recordedSecs = (performance.now() - t0) / 1000;
  await until(() => stored >= base + total, 'the initial load detected');
  let secs = (performance.now() - t0) / 1000;
  const loadCpu = cpuSince(cpu0);
  await check(base, total, 'initial load');
  log(`initial load     recorded in ${recordedSecs.toFixed(1)} s, every change on NATS after ${secs.toFixed(1)} s`);
  log(
    `initial load     ${fmt(total)} appeared in ${secs.toFixed(1)} s: ${fmt(total / secs)} observations/s ` +
      `(pages queued beforehand); target ≥ 20,000 ${total / secs >= 20_000 ? '✓' : '✗'}`,
  );
  log(`initial load     CPU: ${loadCpu}`);

  // 2. Back-to-back full scans with 1% churn.
  const rates = [];
  const checks = [];
  const churnCpu = cpuSeconds();
  for (let round = 1; PARTS.has('churn') && round <= CHURN_SCANS; round++) {
    const ids = regions.map((_, s) => `churn${round}-${s}`);
    const from = await streamSeq();
    base = from;
    t0 = performance.now();
    let expected = 0;
    for (let s = 0; s < SCOPES; s++) expected += (await scanScope(s, ids[s], CHURN, round)).expected;
    await until(() => stored >= from + expected && ids.every((id) => completed.has(id)), `churn scan ${round}`);
    secs = (performance.now() - t0) / 1000;
    rates.push(total / secs);
    checks.push([from, expected, `churn scan ${round}`]);
  }
  const median = pct(rates, 50);
  if (rates.length > 0)
    log(
      `1% churn scans   ${CHURN_SCANS} full scans of ${fmt(total)}: median ${fmt(median)} observations/s ` +
        `(min ${fmt(Math.min(...rates))}, max ${fmt(Math.max(...rates))}); target ≥ 20,000 ${median >= 20_000 ? '✓' : '✗'}`,
    );
  if (rates.length > 0) log(`1% churn scans   CPU for the ${rates.length} scans: ${cpuSince(churnCpu)}`);
  for (const c of checks) await check(...c);

  // 3. Latency, one scope at a time.
  const latencies = [];
  if (PARTS.has('latency')) {
    changes = watchChanges();
    await nc.flush();
  }
  for (let round = 1; PARTS.has('latency') && round <= 3; round++) {
    for (let s = 0; s < SCOPES; s++) {
      const already = new Set(arrived.keys());
      const { lastQueued, expected } = await scanScope(s, `lat${round}-${s}`, CHURN, 100 + round);
      await until(() => arrived.size >= already.size + expected, `latency scan ${round}/${s}`);
      for (const [id, at] of arrived) if (!already.has(id)) latencies.push(Math.max(0, at - lastQueued));
    }
  }
  const [p50, p95, p99] = [50, 95, 99].map((p) => pct(latencies, p));
  if (latencies.length > 0)
    log(
      `latency          last page queued → change on NATS over ${fmt(latencies.length)} changes: ` +
        `p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms; target p95 < 1 s ${p95 < 1000 ? '✓' : '✗'}`,
    );
} finally {
  await cleanUp();
  // Whatever a client library still holds open must not keep the process (and a pipe) waiting.
  process.exit(process.exitCode ?? 0);
}
