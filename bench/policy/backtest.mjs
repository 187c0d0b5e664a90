#!/usr/bin/env node
// bench/policy backtest: `elava policy backtest` over 1,000,000 recorded versions (100,000
// resources of five types, ten versions each: tags edited, instances stopped, groups widened,
// volumes detached), read from a store on disk as the command reads it (a snapshot, lock-free)
// and replayed through the Rego library on every core. Twice: the working copy against the
// library in service (the same packages: each input evaluated once), and a library with one rule
// added to elava.tags (that package evaluated by both libraries). Prints versions/s; the target is
// ≥ 20,000 on 2 cores. The store is made once per scale and kept under .elava/bench/.
// ELAVA_BENCH_SCALE=0.1 for a quick look.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { backtest } from '@elava/cli';
import { encodeResource, Store } from '@elava/store';

const SCALE = Number(process.env.ELAVA_BENCH_SCALE ?? 1);
const RESOURCES = Math.round(100_000 * SCALE);
const VERSIONS = 10;
const ROOT = resolve(import.meta.dirname, '../..');
const POLICIES = join(ROOT, 'policies');
const WORK = join(ROOT, '.elava', 'bench', `policy-backtest-${RESOURCES}`); // made again when the shape changes: rm -r it
const ACCOUNT = '123456789012';
const TYPES = ['ec2.instance', 'ec2.security_group', 'ec2.volume', 's3.bucket', 'rds.instance'];
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const log = (s) => console.log(s);

log(
  `# bench/policy backtest  (node ${process.version}, ${fmt(RESOURCES * VERSIONS)} versions, ${availableParallelism()} cores)`,
);

/**
 * Resource i of its type at version v. Each version changes one thing, in turn: its tags, its
 * state, or its configuration (a port, encryption, attachment, size), as real churn mostly does.
 */
function resource(i, v) {
  const type = TYPES[i % TYPES.length];
  const turns = [0, 0, 0];
  for (let u = 1; u <= v; u++) turns[(i + u) % 3]++;
  return shaped(type, i, turns[0], turns[1], turns[2]);
}

/** `t` tag edits, `s` state changes and `c` configuration changes so far. */
function shaped(type, i, t, s, c) {
  const native = `${type.split('.')[1]}-${i}`;
  const tags =
    i % 7 === 0
      ? {}
      : { Name: `r-${i}`, environment: i % 3 ? 'production' : 'dev', 'elava:owner': t % 4 === 3 ? '' : 'team' };
  const base = {
    id: `aws:${ACCOUNT}:us-east-1:${type}:${native}`,
    provider: 'aws',
    account: ACCOUNT,
    region: 'us-east-1',
    type,
    native_id: native,
    name: `r-${i}`,
    status: 'active',
    tags: { ...tags, revision: String(t % 3) },
  };
  switch (type) {
    case 'ec2.instance': {
      // Mostly running, as a fleet is (a stopped one costs elava.cost a regular expression, ~0.1 ms).
      const state = ['running', 'pending', 'running', 'stopped'][s % 4];
      return {
        ...base,
        status: state,
        attributes: {
          instance_type: i % 11 ? 't3.micro' : 'm6i.8xlarge',
          ebs_optimized: c % 2 === 1,
          state,
          state_transition_reason: 'User initiated (2026-09-01 10:00:00 GMT)',
          vpc_id: 'vpc-1',
          security_group_ids: ['sg-1'],
        },
      };
    }
    case 'ec2.security_group': {
      const port = [443, 22, 8080][c % 3];
      return {
        ...base,
        attributes: {
          group_name: `g-${i}`,
          description: s % 2 ? 'e' : 'd',
          vpc_id: 'vpc-1',
          rules: [
            { direction: 'ingress', protocol: 'tcp', from_port: port, to_port: port, source: '0.0.0.0/0' },
            { direction: 'egress', protocol: '-1', from_port: null, to_port: null, source: '0.0.0.0/0' },
          ],
        },
      };
    }
    case 'ec2.volume':
      return {
        ...base,
        attributes: {
          volume_type: 'gp3',
          size_gib: 100 + 10 * c,
          encrypted: i % 3 === 0,
          state: s % 2 ? 'available' : 'in-use',
          availability_zone: 'us-east-1a',
          attached_instance_ids: s % 2 ? [] : ['i-1'],
        },
      };
    case 's3.bucket':
      return {
        ...base,
        attributes: {
          encryption: { enabled: c % 2 === 0 },
          public_access_block: {
            configured: i % 5 !== 0,
            block_public_acls: true,
            ignore_public_acls: true,
            block_public_policy: true,
            restrict_public_buckets: true,
          },
          versioning: s % 2 ? 'Suspended' : 'Enabled',
          policy: { present: false, is_public: false },
          acl_public: i % 10 === 0,
        },
      };
    default:
      return {
        ...base,
        attributes: {
          engine: 'postgres',
          instance_class: 'db.t3.micro',
          status: s % 2 ? 'stopped' : 'available',
          allocated_storage_gib: 20 + (c % 2) * 10,
          storage_encrypted: i % 2 === 0,
          publicly_accessible: i % 9 === 0,
          multi_az: false,
          deletion_protection: true,
        },
      };
  }
}

// ------------------------------------------------------------ the recorded estate (made once per scale)
const data = join(WORK, 'data');
const expected = RESOURCES * VERSIONS;
let made = false;
if (existsSync(data)) {
  const s = await Store.open(data);
  made = s.stats().versions >= expected;
  await s.close();
}
if (!made) {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const store = await Store.open(data);
  const t0 = performance.now();
  const PAGE = 1_000;
  // The versions are spread over the 90 days before now, as a real estate's are (the store takes
  // each revision's time from the clock: set here while recording, put back afterwards).
  const clock = Date.now;
  const start = clock() - 90 * 86_400_000;
  for (let v = 0; v < VERSIONS; v++) {
    const at = start + v * 9 * 86_400_000;
    Date.now = () => at;
    for (const [k, type] of TYPES.entries()) {
      const ids = [];
      for (let i = k; i < RESOURCES; i += TYPES.length) ids.push(i);
      for (let p = 0; p < ids.length; p += PAGE) {
        const page = ids.slice(p, p + PAGE).map((i) => encodeResource(resource(i, v)));
        await store.applyScan(`v${v}-${type}-${p}`, { account: ACCOUNT, region: 'us-east-1', type }, page, {
          withDocuments: false,
        });
      }
    }
    process.stderr.write(`\r  recording version ${v + 1}/${VERSIONS}`);
  }
  Date.now = clock;
  process.stderr.write('\r');
  log(`store made: ${fmt(store.stats().versions)} versions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await store.close();
}

// ------------------------------------------------------------ the backtests
const progress = (done, total) => process.stderr.write(`\r  revision ${fmt(done)}/${fmt(total)}`);
async function run(label, sources) {
  const t0 = performance.now();
  const { run: r, tally } = await backtest({
    dataDir: data,
    sources,
    servicePath: POLICIES,
    since: '91d',
    lookbackMs: 7 * 86_400_000,
    onProgress: progress,
  });
  process.stderr.write('\r\u001b[2K');
  const changed = [...r.packages].filter(([, s]) => s !== 'same').map(([p, s]) => `${p} ${s}`);
  const rate = tally.versions / r.seconds;
  // The machine may be shared: CPU time says what two cores of its own would do.
  const cores = Math.min(2, availableParallelism());
  const own = (tally.versions / r.cpuSeconds) * cores;
  log(
    `${label.padEnd(36)} ${fmt(rate)} versions/s  (${fmt(tally.versions)} versions, ${fmt(tally.evaluations)} inputs in ${r.seconds.toFixed(1)} s, ${((performance.now() - t0) / 1000).toFixed(1)} s with compile and snapshot, ${r.threads} threads; differs: ${changed.join(', ') || 'nothing'}; ${fmt([...tally.added.values()].reduce((n, d) => n + d.findings, 0))} new findings)`,
  );
  log(
    `${''.padEnd(36)} ${fmt((r.cpuSeconds * 1e6) / tally.versions)} µs CPU per version: ${fmt(own)} versions/s on ${cores} cores of its own; target ≥ 20,000/s ${Math.min(rate, own) >= 20_000 ? '✓' : own >= 20_000 ? '✓ (CPU time; the wall clock was shared)' : '✗'}`,
  );
}

await run('working copy vs library in service', POLICIES);
const next = mkdtempSync(join(tmpdir(), 'elava-bench-library-'));
try {
  cpSync(POLICIES, next, { recursive: true, filter: (src) => !/[/\\](dist|node_modules)$/.test(src) });
  writeFileSync(
    join(next, 'tags', 'bench_added.rego'),
    `package elava.tags\n\nimport rego.v1\n\ninfo contains f if {\n\tinput.resource.tags.revision == "2"\n\tf := {"msg": concat("", [input.resource.id, " is at revision 2"]), "suggestion": ""}\n}\n`,
  );
  await run('one rule added to elava.tags', next);
} finally {
  rmSync(next, { recursive: true, force: true });
}
