// bench/store section: the estate diff. The same window (an hour of scans that changed 1,000
// resources) diffed on an estate of 10,000 and of 100,000 live resources (10 versions each), to
// show its cost follows what changed, not the estate. Runs alone too: `node bench/store/diff.mjs`.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { doc, resourceId, TYPES } from './docs.mjs';
import { openFresh, scopeOf } from './run-store.mjs';

const GENS = 10;
/** An hour of scans: a round a minute, one page (one revision) per type with changes. */
const MINUTES = 60;

const fmt = (n) => Math.round(n).toLocaleString('en-US');

/**
 * Builds `live` resources × GENS versions, then the window: `changed` resources that differ at
 * its two ends (90% modified, 5% added, 5% removed) and another 10% changed and changed back
 * (work the diff must do, and nothing it may show). Returns the two ends.
 */
async function build(dir, live, changed) {
  const store = await openFresh(dir);
  const perType = Math.round(live / TYPES.length);
  const page = Math.min(1000, perType);
  for (let g = 0; g < GENS; g++) {
    for (const type of TYPES) {
      for (let b = 0; b * page < perType; b++) {
        const batch = [];
        for (let k = b * page; k < Math.min(perType, (b + 1) * page); k++) batch.push(doc(type, k, g));
        await store.applyScan(`d-${g}-${type}-${b}`, scopeOf(type), batch, { withDocuments: false });
      }
    }
  }
  const from = store.revision;
  const last = GENS - 1;
  // Resources spread over the estate, as real changes are (their documents sit far apart on disk).
  const perTypeChanged = Math.ceil((changed * 1.1) / TYPES.length);
  const stride = Math.max(1, Math.floor(perType / perTypeChanged));
  const pick = (i) => ({ type: TYPES[i % TYPES.length], n: Math.floor(i / TYPES.length) * stride });
  const modified = Math.round(changed * 0.9);
  const removed = Math.round(changed * 0.05);
  const added = changed - modified - removed;
  const churn = Math.round(changed * 0.1);
  const minutes = Array.from({ length: MINUTES }, () => []);
  for (let i = 0; i < modified; i++) minutes[i % MINUTES].push(pick(i));
  const write = async (label, items, gen) => {
    const byType = Map.groupBy(items, (x) => x.type);
    for (const [type, xs] of byType)
      await store.applyScan(
        `${label}-${type}`,
        scopeOf(type),
        xs.map((x) => doc(type, x.n, gen)),
        {
          withDocuments: false,
        },
      );
  };
  for (const [m, items] of minutes.entries()) await write(`m${m}`, items, GENS);
  const churned = Array.from({ length: churn }, (_, i) => pick(modified + i));
  await write('away', churned, GENS + 1);
  await write('back', churned, last);
  // Removals: a complete scan of the scope that saw everything else.
  const gone = Array.from({ length: removed }, (_, i) => pick(modified + churn + i));
  for (const [type, xs] of Map.groupBy(gone, (x) => x.type)) {
    const missing = new Set(xs.map((x) => x.n));
    const seen = [];
    for (let n = 0; n < perType; n++) if (!missing.has(n)) seen.push(resourceId(type, n));
    await store.applyScan(`gone-${type}`, scopeOf(type), [], { complete: true, seen, withDocuments: false });
  }
  const born = Array.from({ length: added }, (_, i) => ({ type: TYPES[i % TYPES.length], n: perType + i }));
  await write('born', born, 0);
  const to = store.revision;
  const versions = store.stats().versions;
  await store.checkpoint();
  await store.close();
  return { from, to, versions };
}

/** Times the diff in a fresh process, so its memory and pauses are the store's, not the builder's. */
function measure(dir, from, to, changed) {
  return new Promise((resolveRun, reject) => {
    const args = [
      '--expose-gc',
      join(import.meta.dirname, 'diff-query.mjs'),
      dir,
      String(from),
      String(to),
      String(changed),
    ];
    const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => {
      out += d;
    });
    c.on('exit', (code) => (code === 0 ? resolveRun(JSON.parse(out)) : reject(new Error(`diff child exited ${code}`))));
  });
}

export async function benchDiff({ work, scale, log }) {
  const changed = Math.max(20, Math.round(1000 * scale));
  const estates = [10_000, 100_000].map((n) => Math.round(n * scale));
  log(
    `\n## estate diff: an hour's window (${MINUTES} rounds of scans, a page per type changed) in which ${fmt(changed)} resources changed, ` +
      `on ${estates.map(fmt).join(' and ')} live resources (${GENS} versions each)`,
  );
  const rows = [];
  for (const live of estates) {
    const dir = join(work, `diff-${live}`);
    const started = Date.now();
    const { from, to, versions } = await build(dir, live, changed);
    const r = await measure(dir, from, to, changed);
    rows.push({ live, ...r });
    log(
      `${fmt(live).padStart(7)} live, ${fmt(versions)} versions (built in ${((Date.now() - started) / 1000).toFixed(1)} s), revisions ${from} → ${to}:`,
    );
    log(
      `  whole diff, ${fmt(r.items)} resources with field diffs: p50 ${r.whole.p50.toFixed(1)} ms, p95 ${r.whole.p95.toFixed(1)} ms   (target p95 < 100)`,
    );
    log(
      `  first API page (100 items, JSON): p50 ${r.page.p50.toFixed(1)} ms, p95 ${r.page.p95.toFixed(1)} ms;` +
        ` one type: p50 ${r.oneType.p50.toFixed(1)} ms`,
    );
    rmSync(dir, { recursive: true, force: true });
  }
  const [small, large] = rows;
  log(
    `growth ${fmt(large.live / small.live)}× the estate → ${(large.whole.p50 / small.whole.p50).toFixed(2)}× the time (p50 of the whole diff)`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  const root = resolve(import.meta.dirname, '../..');
  const scale = Number(process.env.ELAVA_BENCH_SCALE ?? 1);
  console.log(`# bench/store: estate diff  (node ${process.version}, scale ${scale})`);
  await benchDiff({ work: join(root, '.elava', 'bench', 'store'), scale, log: (s) => console.log(s) });
}
