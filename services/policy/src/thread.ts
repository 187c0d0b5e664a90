// One worker thread: the compiled library loaded once, evaluating the batches it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import type { CompiledPackage } from './compiled.js';
import { type PolicyInput, PolicySet } from './policy-set.js';

const { packages, data } = workerData as { packages: CompiledPackage[]; data: unknown };
const set = await PolicySet.load(packages, data);
parentPort?.postMessage({ ready: true, failures: set.failures });
parentPort?.on('message', (m: { id: number; inputs: PolicyInput[] }) => {
  parentPort?.postMessage({ id: m.id, results: m.inputs.map((input) => set.evaluate(input)) });
});
