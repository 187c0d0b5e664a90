// One worker thread: the compiled library loaded once, evaluating the batches it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import type { CompiledLibrary } from './compiled.js';
import { PolicySet } from './policy-set.js';
import type { RawBatch } from './raw-batch.js';
import { RawBatchWriter } from './raw-batch.js';

const { library, data, baseline } = workerData as {
  library: CompiledLibrary;
  data: unknown;
  baseline?: CompiledLibrary;
};
const set = await PolicySet.load(library, data);
// A backtest's library in service, on the same bytes (see PolicyPool.start).
const base = baseline ? await PolicySet.load(baseline, data) : null;
parentPort?.postMessage({ ready: true, failures: set.failures, baselineFailures: base?.failures ?? [] });
parentPort?.on('message', (m: { id: number; bytes: Uint8Array; ends: Uint32Array; routes: Int32Array }) => {
  if (base) {
    const results = [];
    let start = 0;
    for (const [i, end] of m.ends.entries()) {
      const input = m.bytes.slice(start, end).buffer;
      const route = m.routes[i];
      // The baseline library has entrypoints of its own: it evaluates everything.
      results.push({ ...set.evaluate(input, route), baseline: base.evaluate(input) });
      start = end;
    }
    parentPort?.postMessage({ id: m.id, results });
    return;
  }
  // The module's answers go back as the bytes it wrote; one it could not give as bytes, parsed.
  const out = new RawBatchWriter(m.bytes.byteLength);
  let start = 0;
  for (const [i, end] of m.ends.entries()) {
    const input = m.bytes.subarray(start, end);
    const route = m.routes[i] as number;
    const raw = set.evaluateRaw(input, route);
    if (raw) out.add(raw);
    else out.other(i, set.evaluate(input.slice().buffer, route));
    start = end;
  }
  const batch: RawBatch = out.finish();
  parentPort?.postMessage({ id: m.id, raw: batch }, [batch.json.buffer as ArrayBuffer]);
});
