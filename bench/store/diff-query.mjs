// Child for the estate-diff figures: a fresh process opens the store and times the diff between
// two revisions, whole (store) and as the API's first page (query reader). Prints one JSON line.
import { StoreReader } from '@elava/query';
import { Store } from '@elava/store';

const [dir, fromText, toText, changedText] = process.argv.slice(2);
const [from, to, changed] = [Number(fromText), Number(toText), Number(changedText)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const ROUNDS = 40;

const store = await Store.open(dir);
const reader = new StoreReader(store);
global.gc?.();

function time(fn) {
  const ms = [];
  let result;
  for (let i = 0; i < ROUNDS; i++) {
    const s = process.hrtime.bigint();
    result = fn();
    ms.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  return { p50: pct(ms, 50), p95: pct(ms, 95), result };
}

const whole = time(() => {
  let n = 0;
  for (const _ of store.diffBetween(from, to)) n++;
  return n;
});
if (whole.result !== changed) throw new Error(`the diff found ${whole.result} resources, expected ${changed}`);
const page = time(() => reader.answer('diff', { from: String(from), to: String(to), limit: '100' }));
if (JSON.parse(page.result).items.length !== Math.min(100, changed)) throw new Error('the first page is not full');
const oneType = time(() => reader.answer('diff', { from: String(from), to: String(to), type: 's3.bucket' }));
await store.close();
console.log(
  JSON.stringify({
    items: whole.result,
    whole: { p50: whole.p50, p95: whole.p95 },
    page: { p50: page.p50, p95: page.p95 },
    oneType: { p50: oneType.p50, p95: oneType.p95 },
  }),
);
