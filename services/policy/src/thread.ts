// One worker thread: the compiled library loaded once, evaluating the batches it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import type { CompiledLibrary } from './compiled.js';
import { PolicySet } from './policy-set.js';

const { library, data } = workerData as { library: CompiledLibrary; data: unknown };
const set = await PolicySet.load(library, data);
parentPort?.postMessage({ ready: true, failures: set.failures });
parentPort?.on('message', (m: { id: number; bytes: Uint8Array; ends: Uint32Array }) => {
  const results = [];
  let start = 0;
  for (const end of m.ends) {
    results.push(set.evaluate(m.bytes.slice(start, end).buffer));
    start = end;
  }
  parentPort?.postMessage({ id: m.id, results });
});
