// One worker thread: the compiled library loaded once, evaluating the batches it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import type { CompiledLibrary } from './compiled.js';
import { type PolicyInput, PolicySet } from './policy-set.js';

const { library, data } = workerData as { library: CompiledLibrary; data: unknown };
const set = await PolicySet.load(library, data);
parentPort?.postMessage({ ready: true, failures: set.failures });
parentPort?.on('message', (m: { id: number; inputs: PolicyInput[] }) => {
  parentPort?.postMessage({ id: m.id, results: m.inputs.map((input) => set.evaluate(input)) });
});
