#!/usr/bin/env node
// bench/policy: the whole Rego library (compiled to WebAssembly by `npm run build`) over 100,000
// synthetic resources, on every core through the policy service's thread pool, next to `opa eval`
// (OPA's Go evaluator) on the same inputs in the same run. Needs the build (and the project's opa).
// ELAVA_BENCH_SCALE=0.1 for a quick look.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PolicyPool, readCompiled } from '@elava/policy';

const SCALE = Number(process.env.ELAVA_BENCH_SCALE ?? 1);
const N = Math.round(100_000 * SCALE);
const BATCH = 1_000;
const ROOT = resolve(import.meta.dirname, '../..');
const POLICIES = join(ROOT, 'policies');
const OPA =
  process.env.ELAVA_OPA ??
  (existsSync(join(ROOT, '.elava/tools/bin/opa')) ? join(ROOT, '.elava/tools/bin/opa') : 'opa');
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const log = (s) => console.log(s);

log(`# bench/policy  (node ${process.version}, ${fmt(N)} resources, ${availableParallelism()} cores)`);

// ------------------------------------------------------------ a synthetic estate, every type the library looks at
const now = '2026-11-22T12:00:00Z';
function resource(i) {
  const kind = i % 5;
  const base = { provider: 'aws', account: '123456789012', region: 'us-east-1', name: `r-${i}` };
  const tags =
    i % 7 === 0
      ? {}
      : { Name: `r-${i}`, environment: i % 3 ? 'production' : 'dev', 'elava:managed': String(i % 2 === 0) };
  const id = (type, native) => ({ id: `aws:123456789012:us-east-1:${type}:${native}`, type, native_id: native });
  switch (kind) {
    case 0:
      return {
        ...base,
        ...id('ec2.instance', `i-${i}`),
        tags,
        attributes: {
          instance_type: i % 11 ? 't3.micro' : 'm6i.8xlarge',
          state: i % 13 ? 'running' : 'stopped',
          state_transition_reason: 'User initiated (2026-09-01 10:00:00 GMT)',
          vpc_id: 'vpc-1',
          security_group_ids: ['sg-1'],
        },
      };
    case 1:
      return {
        ...base,
        ...id('ec2.security_group', `sg-${i}`),
        tags,
        attributes: {
          group_name: 'g',
          description: 'd',
          rules: [
            {
              direction: 'ingress',
              protocol: 'tcp',
              from_port: i % 4 ? 443 : 22,
              to_port: i % 4 ? 443 : 22,
              source: '0.0.0.0/0',
            },
            { direction: 'egress', protocol: '-1', from_port: null, to_port: null, source: '0.0.0.0/0' },
          ],
        },
      };
    case 2:
      return {
        ...base,
        ...id('ec2.volume', `vol-${i}`),
        tags,
        attributes: {
          volume_type: 'gp3',
          size_gib: 100,
          encrypted: i % 3 === 0,
          state: i % 4 ? 'in-use' : 'available',
          availability_zone: 'us-east-1a',
          attached_instance_ids: i % 4 ? ['i-1'] : [],
        },
      };
    case 3:
      return {
        ...base,
        ...id('s3.bucket', `b-${i}`),
        tags,
        attributes: {
          encryption: { enabled: true },
          public_access_block: {
            configured: i % 5 !== 0,
            block_public_acls: true,
            ignore_public_acls: true,
            block_public_policy: true,
            restrict_public_buckets: true,
          },
          versioning: 'Enabled',
          policy: { present: false, is_public: false },
          acl_public: i % 10 === 0,
        },
      };
    default:
      return {
        ...base,
        ...id('rds.instance', `db-${i}`),
        tags,
        attributes: {
          engine: 'postgres',
          instance_class: 'db.t3.micro',
          status: 'available',
          allocated_storage_gib: 20,
          storage_encrypted: i % 2 === 0,
          publicly_accessible: i % 9 === 0,
          multi_az: false,
          deletion_protection: true,
        },
      };
  }
}
const inputs = Array.from({ length: N }, (_, i) => ({ resource: resource(i), now }));

// ------------------------------------------------------------ Elava: opa-wasm in worker threads
const { problems, ...library } = readCompiled(POLICIES);
if (problems.length > 0) throw new Error(problems.join('\n'));
const pool = await PolicyPool.start(library, {});
await pool.evaluate(inputs.slice(0, 2_000)); // warm-up
let findings = 0;
let t0 = performance.now();
for (let i = 0; i < N; i += BATCH) {
  for (const r of await pool.evaluate(inputs.slice(i, i + BATCH))) findings += r.findings.length;
  if ((i / BATCH) % 20 === 0) process.stderr.write(`\r  elava ${fmt(i)}/${fmt(N)}`);
}
process.stderr.write('\r');
const elavaSecs = (performance.now() - t0) / 1000;
await pool.close();
log(
  `elava (opa-wasm, ${pool.size} threads)   ${fmt(N / elavaSecs)} resource evaluations/s  (${elavaSecs.toFixed(2)} s, ${fmt(findings)} findings)`,
);

// ------------------------------------------------------------ OPA's Go evaluator on the same inputs
const dir = mkdtempSync(join(tmpdir(), 'elava-bench-policy-'));
try {
  writeFileSync(join(dir, 'inputs.json'), JSON.stringify({ bench: { inputs } }));
  const packages = library.packages.map((p) => p.name);
  const fields = library.packages.map(
    (p) => `"${p.name}": {${p.rules.map((r) => `"${r}": data.elava.${p.name}.${r}`).join(', ')}}`,
  );
  writeFileSync(join(dir, 'all.rego'), `package elava_all\nimport rego.v1\nresult := {${fields.join(', ')}}\n`);
  const sources = packages.flatMap((p) =>
    readdirSync(join(POLICIES, p))
      .filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego'))
      .flatMap((f) => ['-d', join(POLICIES, p, f)]),
  );
  const query = 'n := count([r | some x in data.bench.inputs; r := data.elava_all.result with input as x])';
  t0 = performance.now();
  const out = JSON.parse(
    execFileSync(
      OPA,
      [
        'eval',
        '--metrics',
        '--format',
        'json',
        ...sources,
        '-d',
        join(dir, 'all.rego'),
        '-d',
        join(dir, 'inputs.json'),
        query,
      ],
      {
        maxBuffer: 1 << 28,
        encoding: 'utf8',
      },
    ),
  );
  const wall = (performance.now() - t0) / 1000;
  const evalSecs = out.metrics.timer_rego_query_eval_ns / 1e9;
  log(
    `opa eval (Go, 1 query)        ${fmt(N / evalSecs)} resource evaluations/s  (evaluation ${evalSecs.toFixed(2)} s; ${wall.toFixed(2)} s with loading)`,
  );
  const ratio = evalSecs / elavaSecs;
  log(
    `ratio                         elava ${ratio.toFixed(2)}× opa eval; target ≥ 50,000/s ${N / elavaSecs >= 50_000 ? '✓' : '✗'}, ahead of opa eval ${ratio > 1 ? '✓' : '✗'}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
