#!/usr/bin/env node
// bench/policy: the whole Rego library (compiled to WebAssembly by `npm run build`) over 100,000
// synthetic resources, on every core through the policy service's thread pool, next to `opa eval`
// (OPA's Go evaluator) on the same inputs in the same run. Needs the build (and the project's opa).
//  - everything: each resource against every rule (the library's one entrypoint, as before issue 19);
//  - cold: each resource against the rules that can match its type (per-type entrypoints), no memo;
//  - warm: the same scope again through the memo (PolicyMemo), unchanged: a lookup per resource;
//  - warm from Redis (when REDIS_URL is set): a new process's memo, every answer from Redis.
// Every way must give the same findings for every resource (checked; opa eval's as sorted sets).
// ELAVA_BENCH_SCALE=0.1 for a quick look.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRedis } from '@elava/bus';
import { EVERYTHING, PolicyMemo, PolicyPool, RedisMemoTier, readCompiled } from '@elava/policy';
import { syntheticInputs } from './estate.mjs';

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

const inputs = syntheticInputs(N);

// ------------------------------------------------------------ Elava: opa-wasm in worker threads
const { problems, ...library } = readCompiled(POLICIES);
if (problems.length > 0) throw new Error(problems.join('\n'));
if (!library.dispatch) throw new Error('policies/dist has no per-type dispatch: run `npm run build`');
const pool = await PolicyPool.start(library, {});
const STORE = `b${randomBytes(6).toString('hex').slice(1)}`;
const signature = (r) => r.findings.map((f) => `${f.package}|${f.rule}|${f.msg}|${f.suggestion}`);

/** Evaluates every input, a batch at a time; the seconds spent evaluating and every input's findings. */
async function run(label, evaluate) {
  const out = [];
  let secs = 0;
  for (let i = 0; i < N; i += BATCH) {
    const t0 = performance.now();
    const results = await evaluate(inputs.slice(i, i + BATCH));
    secs += (performance.now() - t0) / 1000;
    // Checked and kept outside the clock: this is the bench's work, not the evaluation's.
    for (const r of results) {
      if (r.failures.length > 0) throw new Error(`${label}: ${JSON.stringify(r.failures)}`);
      out.push(signature(r));
    }
    if ((i / BATCH) % 20 === 0) process.stderr.write(`\r  ${label} ${fmt(i)}/${fmt(N)}`);
  }
  process.stderr.write('\r\x1b[K');
  return { secs, findings: out };
}
const line = (label, r, note = '') =>
  log(
    `${label.padEnd(38)}${fmt(N / r.secs).padStart(10)} resources/s  (${r.secs.toFixed(2)} s, ${fmt(r.findings.reduce((n, f) => n + f.length, 0))} findings${note})`,
  );
function same(label, a, b, sorted = false) {
  for (let i = 0; i < N; i++) {
    const x = sorted ? [...a[i]].sort() : a[i];
    const y = sorted ? [...b[i]].sort() : b[i];
    if (x.length !== y.length || x.some((v, j) => v !== y[j]))
      throw new Error(
        `${label}: resource ${i} (${inputs[i].resource.type}) differs:\n  ${x.join('\n  ')}\nvs\n  ${y.join('\n  ')}`,
      );
  }
}

const all = inputs.map(() => EVERYTHING);
// Warm-up, both ways, long enough for V8 to have optimized the WebAssembly (it starts in its baseline
// compiler and tiers up the functions that run hot, in the background, over the first seconds).
const WARM = Math.min(N, 20_000);
for (let k = 0; k < 2; k++)
  for (let i = 0; i < WARM; i += BATCH) {
    await pool.evaluate(inputs.slice(i, i + BATCH));
    await pool.evaluate(inputs.slice(i, i + BATCH), all.slice(0, BATCH));
  }
const everything = await run('everything', (batch) => pool.evaluate(batch, all.slice(0, batch.length)));
const cold = await run('cold', (batch) => pool.evaluate(batch));
same('cold (per type) vs everything', cold.findings, everything.findings);
// What a sweep's items carry from the store (content_hash: sha1 of the resource's document),
// computed here once, as the store did when it recorded them.
const hashes = inputs.map((x) => createHash('sha1').update(JSON.stringify(x.resource)).digest('base64'));
const sweep = (m) => {
  let at = 0;
  return (batch) => {
    const slice = hashes.slice(at, at + batch.length);
    at += batch.length;
    return m.evaluate(pool, STORE, batch, slice);
  };
};
{
  // Warm-up of the memo's paths (a miss, a hit), as the pool's above, on a memo thrown away.
  const trial = new PolicyMemo({ bucketMs: 60 * 60 * 1000 });
  for (let k = 0; k < 3; k++)
    for (let i = 0; i < Math.min(N, 4_000); i += BATCH)
      await trial.evaluate(pool, STORE, inputs.slice(i, i + BATCH), k === 2 ? undefined : hashes.slice(i, i + BATCH));
}
const memo = new PolicyMemo({ bucketMs: 60 * 60 * 1000, memoryEntries: N + BATCH });
const first = await run('first sweep', sweep(memo));
const warm = await run('warm', sweep(memo));
same('warm vs everything', warm.findings, everything.findings);
if (memo.counts.hits !== N || memo.counts.misses !== N) throw new Error(`memo counts ${JSON.stringify(memo.counts)}`);
const hashing = new PolicyMemo({ bucketMs: 60 * 60 * 1000, memoryEntries: N + BATCH });
await run('first sweep, hashing', (batch) => hashing.evaluate(pool, STORE, batch));
const warmHashing = await run('warm, hashing', (batch) => hashing.evaluate(pool, STORE, batch));
same('warm (hashing) vs everything', warmHashing.findings, everything.findings);
log(`elava, opa-wasm, ${pool.size} threads:`);
line('  everything (every rule, no memo)', everything);
line('  cold (per-type rules, no memo)', cold, `; ${(everything.secs / cold.secs).toFixed(2)}× everything`);
line('  first sweep (per-type, filling memo)', first);
line('  warm (memo in memory, unchanged)', warm, '; every one a hit');
line('  warm, hashing each input itself', warmHashing, '; no content_hash from the store');

let redisWarm = null;
if (process.env.REDIS_URL) {
  const redis = createRedis(process.env.REDIS_URL, 'producer', 'elava-bench-policy');
  try {
    const tier = new RedisMemoTier(redis, 'elava-bench');
    const filling = new PolicyMemo({ bucketMs: 60 * 60 * 1000, tier, memoryEntries: 1 });
    await run('filling Redis', sweep(filling));
    // A restarted service: nothing in memory, everything in Redis.
    const restarted = new PolicyMemo({ bucketMs: 60 * 60 * 1000, tier, memoryEntries: N + BATCH });
    redisWarm = await run('warm from Redis', sweep(restarted));
    same('warm from Redis vs everything', redisWarm.findings, everything.findings);
    if (restarted.counts.misses !== 0) throw new Error(`restarted memo missed ${restarted.counts.misses}`);
    line('  warm (new process, memo from Redis)', redisWarm);
  } finally {
    const keys = await redis.keys(`elava-bench:policy-memo:${STORE}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
} else log('  (REDIS_URL not set: no figure for a memo read back from Redis)');
await pool.close();

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
  const query = 'results := [r | some x in data.bench.inputs; r := data.elava_all.result with input as x]';
  const t0 = performance.now();
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
      { maxBuffer: 1 << 30, encoding: 'utf8' },
    ),
  );
  const wall = (performance.now() - t0) / 1000;
  const evalSecs = out.metrics.timer_rego_query_eval_ns / 1e9;
  const results = out.result[0].bindings.results;
  const opaFindings = results.map((result) =>
    library.packages.flatMap((p) =>
      p.rules.flatMap((rule) =>
        (result[p.name]?.[rule] ?? []).map((f) => `elava.${p.name}|${rule}|${f.msg}|${f.suggestion}`),
      ),
    ),
  );
  same('opa eval vs everything', opaFindings, everything.findings, true);
  line('opa eval (Go, 1 query)', { secs: evalSecs, findings: opaFindings }, `; ${wall.toFixed(2)} s with loading`);
  const rate = N / cold.secs;
  log(
    `targets: cold ≥ 50,000/s ${rate >= 50_000 ? '✓' : '✗'} (${fmt(rate)}); warm ≥ 500,000/s ${N / warm.secs >= 500_000 ? '✓' : '✗'} (${fmt(N / warm.secs)}); cold ${(evalSecs / cold.secs).toFixed(1)}× opa eval`,
  );
  log(
    'findings: the same for every resource from everything, cold, warm' +
      (redisWarm ? ', warm from Redis' : '') +
      ' and opa eval ✓',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
