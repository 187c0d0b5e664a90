// Child for the time-travel figures: a fresh process opens the store, so its RSS and pauses are
// the store's own, not the builder's. Prints one JSON line.
import { Store } from '@elava/store';
import { resourceId, TYPES } from './docs.mjs';

const [dir, perTypeText, revsText] = process.argv.slice(2);
const perType = Number(perTypeText);
const revs = JSON.parse(revsText);
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const t0 = Date.now();
const store = await Store.open(dir);
const openMs = Date.now() - t0;
global.gc?.();
const rssAfterOpen = process.memoryUsage().rss;

const range = {};
for (const raw of [true, false]) {
  const ms = [];
  for (let i = 0; i < 40; i++) {
    const at = revs[i % 5];
    const s = process.hrtime.bigint();
    let n = 0;
    for (const _ of store.range({ type: TYPES[i % TYPES.length] }, { at, raw })) n++;
    ms.push(Number(process.hrtime.bigint() - s) / 1e6);
    if (n !== perType) throw new Error(`range returned ${n}, expected ${perType}`);
  }
  range[raw ? 'raw' : 'parsed'] = { p50: pct(ms, 50), p95: pct(ms, 95) };
}
const us = [];
for (let i = 0; i < 20_000; i++) {
  const type = TYPES[i % TYPES.length];
  const id = resourceId(type, (i * 7919) % perType);
  const at = revs[i % revs.length];
  const s = process.hrtime.bigint();
  const v = store.get(id, at);
  us.push(Number(process.hrtime.bigint() - s) / 1e3);
  if (!v) throw new Error(`get(${id}, ${at}) found nothing`);
}
const peakRss = process.memoryUsage().rss;
await store.close();
console.log(
  JSON.stringify({
    openMs,
    checkpoint: store.report.checkpoint,
    rssAfterOpen,
    peakRss,
    range,
    get: { p50: pct(us, 50), p95: pct(us, 95) },
  }),
);
