// One worker thread: the compiled library loaded once, evaluating the batches it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import type { CompiledLibrary } from './compiled.js';
import { PolicySet } from './policy-set.js';

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
  const results = [];
  let start = 0;
  for (const [i, end] of m.ends.entries()) {
    const input = m.bytes.slice(start, end).buffer;
    const route = m.routes[i];
    // The baseline library has entrypoints of its own: it evaluates everything.
    results.push(base ? { ...set.evaluate(input, route), baseline: base.evaluate(input) } : set.evaluate(input, route));
    start = end;
  }
  parentPort?.postMessage({ id: m.id, results });
});
