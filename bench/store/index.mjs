#!/usr/bin/env node
// bench/store: ingest (changed and unchanged) against etcd 3.4 in the same run, then time travel
// on 100,000 live resources with 1,000,000 versions, then the estate diff (diff.mjs). Prints
// figures; asserts nothing.
// Sizes: ELAVA_BENCH_SCALE=0.1 for a quick look; ELAVA_BENCH_ONLY=ingest,travel,diff picks sections.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Store } from '@elava/store';
import { ensureEtcd } from '../../scripts/lib/install.mjs';
import { benchDiff } from './diff.mjs';
import { doc, TYPES } from './docs.mjs';
import { etcdAvailable, etcdIngest, startEtcd } from './etcd.mjs';
import { makeBatches, openFresh, scopeOf, storeIngest, storeIngestConcurrent } from './run-store.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const WORK = join(ROOT, '.elava', 'bench', 'store');
const SCALE = Number(process.env.ELAVA_BENCH_SCALE ?? 1);
const ONLY = new Set((process.env.ELAVA_BENCH_ONLY ?? 'ingest,travel,diff').split(','));
mkdirSync(WORK, { recursive: true });

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const dirBytes = (dir) => readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
const log = (s) => console.log(s);

log(`# bench/store  (node ${process.version}, scale ${SCALE}, data on ${WORK})`);

// ---------------------------------------------------------------- ingest vs etcd
// The machine is shared and noisy: elava and etcd take turns, three rounds each, and the medians
// are compared, so a slow minute hurts both sides alike.
if (ONLY.has('ingest')) {
  const batches = Math.max(5, Math.round(100 * SCALE));
  const ROUNDS = 3;
  log(`\n## ingest: ${batches} batches × 1,000 changed 1 KiB documents, fsync per batch, ${ROUNDS} alternating rounds`);
  const type = 'ec2.instance';
  const gens = Array.from({ length: ROUNDS + 1 }, (_, g) => makeBatches(type, batches, 1000, g + 1));
  const rate = (r) => r.versions / r.seconds;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

  const store = await openFresh(join(WORK, 'ingest'));
  const first = await storeIngest(store, type, gens[0], 'g0');
  // The peer is installed on first use (as root), so a fresh machine prints the ratio too.
  await ensureEtcd();
  const etcdVersion = etcdAvailable();
  const etcd = etcdVersion ? await startEtcd(join(WORK, 'etcd')) : null;
  if (etcd) await etcdIngest(etcd.client, gens[0]);
  const ours = [];
  const theirs = [];
  const unchanged = [];
  try {
    for (let r = 1; r <= ROUNDS; r++) {
      ours.push(rate(await storeIngest(store, type, gens[r], `g${r}`)));
      unchanged.push(rate(await storeIngest(store, type, gens[r], `u${r}`)));
      if (etcd) theirs.push(rate(await etcdIngest(etcd.client, gens[r])));
    }
  } finally {
    await etcd?.stop();
  }
  const pipelined = await storeIngestConcurrent(store, type, makeBatches(type, batches, 1000, 50), 'p', 4);
  const objects = makeBatches(type, Math.max(2, batches / 5), 1000, 51).map((b) => b.map((d) => JSON.parse(d.json)));
  const fromObjects = await storeIngest(store, type, objects, 'o');
  const bytes = dirBytes(join(WORK, 'ingest'));
  const versions = store.stats().versions;
  await store.close();

  const list = (xs) => xs.map(fmt).join(' / ');
  log(`elava  new resources          ${fmt(rate(first))} versions/s`);
  log(`elava  changed resources      ${fmt(median(ours))} versions/s median (${list(ours)})   (target ≥ 100,000)`);
  log(
    `elava  unchanged observations ${fmt(median(unchanged))} observations/s median (${list(unchanged)})   (target ≥ 500,000)`,
  );
  log(
    `elava  changed, 4 in flight    ${fmt(rate(pipelined))} versions/s   (group commit; each acknowledged after its fsync)`,
  );
  log(
    `elava  changed, from objects  ${fmt(rate(fromObjects))} versions/s   (canonical encoding in the writer, not the scanners)`,
  );
  log(`elava  disk ${(bytes / versions).toFixed(0)} bytes per version for ~1,024-byte documents`);
  if (!etcd) {
    log('etcd   not installed: `apt-get install etcd-server` to compare (Debian 12 ships etcd 3.4)');
  } else {
    log(
      `etcd   changed resources      ${fmt(median(theirs))} versions/s median (${list(theirs)})   (${etcdVersion}, one txn of 1,000 puts per batch)`,
    );
    log(`ratio  elava / etcd           ${(median(ours) / median(theirs)).toFixed(1)}×   (target ≥ 3×)`);
  }
}

// ---------------------------------------------------------------- time travel
if (ONLY.has('travel')) {
  const live = Math.round(100_000 * SCALE);
  const perType = live / TYPES.length;
  const gens = 10;
  log(`\n## time travel: ${fmt(live)} live resources, ${fmt(live * gens)} versions, ${TYPES.length} types`);
  const dir = join(WORK, 'travel');
  let store = await openFresh(dir);
  const started = Date.now();
  const revAfterGen = [];
  for (let g = 0; g < gens; g++) {
    for (const type of TYPES) {
      for (let b = 0; b < perType / 1000; b++) {
        const batch = [];
        for (let k = 0; k < 1000; k++) batch.push(doc(type, b * 1000 + k, g));
        await store.applyScan(`t-${g}-${type}-${b}`, scopeOf(type), batch, { withDocuments: false });
      }
    }
    revAfterGen.push(store.revision);
    process.stdout.write(`\r  building: generation ${g + 1}/${gens}, ${fmt(store.stats().versions)} versions`);
  }
  process.stdout.write('\n');
  log(
    `build  ${((Date.now() - started) / 1000).toFixed(1)} s, revision ${store.revision}, ${fmt(store.stats().versions)} versions, ${(dirBytes(dir) / 2 ** 20).toFixed(0)} MiB on disk`,
  );
  await store.checkpoint();
  await store.close();

  // Queries run in a fresh process, so its memory and pauses are the store's, not the builder's.
  const child = await new Promise((resolveRun, reject) => {
    const args = [
      '--expose-gc',
      join(import.meta.dirname, 'query.mjs'),
      dir,
      String(perType),
      JSON.stringify(revAfterGen),
    ];
    const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => {
      out += d;
    });
    c.on('exit', (code) =>
      code === 0 ? resolveRun(JSON.parse(out)) : reject(new Error(`query child exited ${code}`)),
    );
  });
  const mib = (b) => (b / 2 ** 20).toFixed(0);
  log(`open   ${(child.openMs / 1000).toFixed(2)} s from the checkpoint (${child.checkpoint})`);
  log(
    `rss    ${mib(child.rssAfterOpen)} MiB after open, ${mib(child.peakRss)} MiB after the queries   (target < 1,024)`,
  );
  log(
    `range  one type (${fmt(perType)} results) at an old revision, stored JSON (what the API sends): ` +
      `p50 ${child.range.raw.p50.toFixed(1)} ms, p95 ${child.range.raw.p95.toFixed(1)} ms   (target p95 < 50)`,
  );
  log(
    `range  the same, parsed into objects: p50 ${child.range.parsed.p50.toFixed(1)} ms, p95 ${child.range.parsed.p95.toFixed(1)} ms`,
  );
  log(
    `get    (id, at): p50 ${child.get.p50.toFixed(1)} µs, p95 ${child.get.p95.toFixed(1)} µs   (target p95 < 100 µs)`,
  );

  // Reopen after SIGKILL: a child writes more batches and is killed mid-stream.
  await new Promise((resolveRun) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'writer.mjs'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), 500));
    child.on('exit', resolveRun);
  });
  const t0 = Date.now();
  store = await Store.open(dir);
  log(
    `reopen after SIGKILL: ${((Date.now() - t0) / 1000).toFixed(2)} s (checkpoint ${store.report.checkpoint}, ${store.report.replayedRecords} records replayed)   (target < 5 s)`,
  );
  await store.close();
  const { rmSync } = await import('node:fs');
  rmSync(join(dir, 'index.ckpt'));
  const t1 = Date.now();
  store = await Store.open(dir);
  log(
    `reopen with no checkpoint (full replay of ${store.report.replayedRecords} records): ${((Date.now() - t1) / 1000).toFixed(2)} s`,
  );

  // Compaction, as storage.retention runs it: the older half of the history dropped while the
  // writer goes on with batches of 1,000 changed documents (their latency says what it costs them).
  const cut = revAfterGen[Math.floor(gens / 2) - 1];
  const before = store.stats();
  const bytesBefore = dirBytes(dir);
  const tc = performance.now();
  let compacting = true;
  const done = store.compact(cut).finally(() => {
    compacting = false;
  });
  const lat = [];
  for (let n = 0; compacting; n++) {
    const batch = [];
    for (let k = 0; k < 1000; k++) batch.push(doc(TYPES[0], k, 100 + n));
    const t = performance.now();
    await store.applyScan(`c-${n}`, scopeOf(TYPES[0]), batch, { withDocuments: false });
    lat.push(performance.now() - t);
  }
  const report = await done;
  const seconds = (performance.now() - tc) / 1000;
  lat.sort((a, b) => a - b);
  const pct = (q) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(q * lat.length))].toFixed(1) : '-');
  log(
    `compact to revision ${report.revision} (the older half): ${fmt(before.versions)} → ${fmt(store.stats().versions)} versions, ` +
      `${(bytesBefore / 2 ** 20).toFixed(0)} → ${(dirBytes(dir) / 2 ** 20).toFixed(0)} MiB on disk in ${seconds.toFixed(1)} s; ` +
      `${lat.length} batches of 1,000 changed documents written meanwhile, p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms each`,
  );
  await store.close();
}

// ---------------------------------------------------------------- estate diff
if (ONLY.has('diff')) await benchDiff({ work: WORK, scale: SCALE, log });
