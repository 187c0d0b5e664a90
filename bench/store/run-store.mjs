// Elava store side of the benchmark.
import { rmSync } from 'node:fs';
import { Store } from '@elava/store';
import { ACCOUNT, doc, REGION } from './docs.mjs';

export async function openFresh(dir, opts = {}) {
  rmSync(dir, { recursive: true, force: true });
  return Store.open(dir, { checkpointEvery: 1e9, checkpointIntervalMs: 1e12, ...opts });
}

export function scopeOf(type) {
  return { account: ACCOUNT, region: REGION, type };
}

/** Sequential batches, each one revision with one fsync, acknowledged after the fsync. */
export async function storeIngest(store, type, batches, prefix) {
  const started = process.hrtime.bigint();
  let n = 0;
  for (const [i, batch] of batches.entries()) {
    await store.applyScan(`${prefix}-${i}`, scopeOf(type), batch, { withDocuments: false });
    n += batch.length;
  }
  return { versions: n, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** Up to `inFlight` batches waiting for their fsync at once, as a recorder with job concurrency would. */
export async function storeIngestConcurrent(store, type, batches, prefix, inFlight) {
  const started = process.hrtime.bigint();
  let next = 0;
  let n = 0;
  const lane = async () => {
    while (next < batches.length) {
      const i = next++;
      await store.applyScan(`${prefix}-${i}`, scopeOf(type), batches[i], { withDocuments: false });
      n += batches[i].length;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { versions: n, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

export function makeBatches(type, count, batchSize, gen, offset = 0) {
  const batches = [];
  for (let b = 0; b < count; b++) {
    const batch = [];
    for (let k = 0; k < batchSize; k++) batch.push(doc(type, offset + b * batchSize + k, gen));
    batches.push(batch);
  }
  return batches;
}
