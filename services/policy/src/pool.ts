import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CompiledLibrary } from './compiled.js';
import { type Dispatch, routeOf } from './dispatch.js';
import { libraryHash } from './memo-key.js';
import type { PolicyFailure, PolicyInput, SetAnswer } from './policy-set.js';
import { type RawBatch, readRawBatch } from './raw-batch.js';

const encoder = new TextEncoder();

export type Evaluation = SetAnswer & {
  /** The baseline library's answer on the same input, when the pool was started with one (backtests). */
  baseline?: SetAnswer;
};

/** The thread script is JavaScript: from sources (tests) it is the built one beside them. */
function threadScript(): string {
  const here = fileURLToPath(new URL('./thread.js', import.meta.url));
  return existsSync(here) ? here : fileURLToPath(new URL('../dist/thread.js', import.meta.url));
}

/**
 * Worker threads, each with its own instance of every package, sharing the batches of a request
 * so evaluation uses every core. Replaced as a whole when the library is rebuilt.
 */
export class PolicyPool {
  private next = 0;
  private readonly pending = new Map<
    number,
    { resolve: (r: Evaluation[]) => void; reject: (e: Error) => void; thread: Worker; count: number }
  >();

  private constructor(
    private readonly threads: Worker[],
    readonly failures: PolicyFailure[],
    /** Packages of the baseline library that would not load. */
    readonly baselineFailures: PolicyFailure[] = [],
    private readonly library?: CompiledLibrary,
    private readonly data?: unknown,
  ) {
    for (const t of threads) {
      t.on('message', (m: { id?: number; results?: Evaluation[]; raw?: RawBatch }) => {
        if (m.id === undefined) return;
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (!p) return;
        if (!m.raw) return p.resolve(m.results ?? []);
        try {
          p.resolve(readRawBatch(this.library?.packages ?? [], m.raw, p.count));
        } catch (err) {
          p.reject(err as Error);
        }
      });
      // A thread that dies fails its batches (the job is retried) instead of leaving them waiting.
      t.on('exit', (code) => {
        for (const [id, p] of this.pending) {
          if (p.thread !== t) continue;
          p.reject(new Error(`policy thread exited with code ${code}`));
          this.pending.delete(id);
        }
      });
    }
  }

  /**
   * With `baseline`, each thread also loads that library and evaluates every input through both,
   * from the one serialized copy: `elava policy backtest` compares a library with the one in service.
   */
  static async start(
    library: CompiledLibrary,
    data: unknown,
    size = availableParallelism(),
    baseline?: CompiledLibrary,
  ): Promise<PolicyPool> {
    const script = threadScript();
    const threads = Array.from(
      { length: Math.max(1, size) },
      () => new Worker(script, { workerData: { library, data, ...(baseline ? { baseline } : {}) } }),
    );
    const ready = await Promise.all(
      threads.map(
        (t) =>
          new Promise<{ failures?: PolicyFailure[]; baselineFailures?: PolicyFailure[] }>((resolve, reject) => {
            t.once('error', reject);
            t.once('message', resolve);
          }),
      ),
    );
    for (const t of threads) t.on('error', () => {});
    return new PolicyPool(threads, ready[0]?.failures ?? [], ready[0]?.baselineFailures ?? [], library, data);
  }

  private hashed?: string;

  /** Names the library and its data (memo keys): a rebuilt library or changed data is another. */
  get hash(): string {
    this.hashed ??= libraryHash(this.library ?? { packages: [] }, this.data);
    return this.hashed;
  }

  get dispatch(): Dispatch | undefined {
    return this.library?.dispatch;
  }

  /** Whether the rules an input meets can answer differently as `now` moves (no dispatch: assumed so). */
  timeDependent(route: number): boolean {
    const entry = this.dispatch?.entrypoints[route];
    if (entry) return entry.time;
    return (this.library?.packages ?? []).some((p) => p.time !== false);
  }

  get size(): number {
    return this.threads.length;
  }

  /**
   * Evaluates the inputs spread over the threads; results come back in input order. An input may
   * come already serialized, as its JSON text (a backtest serializes each recorded document once);
   * such an input meets the whole library unless `routes` (dispatch.ts routeOf) says otherwise.
   */
  async evaluate(inputs: (PolicyInput | string)[], routes?: readonly number[]): Promise<Evaluation[]> {
    if (inputs.length === 0) return [];
    // Small parts dealt round the threads, each posted as soon as it is serialized: the threads
    // start evaluating while this thread still serializes the rest (one part per thread left them
    // idle until all of it was).
    const size = Math.max(32, Math.min(256, Math.ceil(inputs.length / (this.threads.length * 4))));
    const parts: Promise<Evaluation[]>[] = [];
    for (let at = 0, n = 0; at < inputs.length; at += size, n++) {
      const t = this.threads[n % this.threads.length] as Worker;
      const slice = inputs.slice(at, at + size);
      const route = Int32Array.from(slice, (input, j) => routes?.[at + j] ?? routeOf(this.dispatch, input));
      const id = this.next++;
      // Serialized here once, into one buffer handed over without a copy: the thread passes each
      // input's bytes straight to WebAssembly memory.
      const texts = slice.map((input) => (typeof input === 'string' ? input : JSON.stringify(input)));
      const ends = new Uint32Array(texts.length);
      let length = 0;
      for (const [j, text] of texts.entries()) ends[j] = length += Buffer.byteLength(text);
      const bytes = new Uint8Array(length);
      for (const [j, text] of texts.entries()) encoder.encodeInto(text, bytes.subarray(j === 0 ? 0 : ends[j - 1]));
      parts.push(
        new Promise<Evaluation[]>((resolve, reject) => {
          this.pending.set(id, { resolve, reject, thread: t, count: slice.length });
          t.postMessage({ id, bytes, ends, routes: route }, [bytes.buffer, ends.buffer, route.buffer]);
        }),
      );
    }
    return (await Promise.all(parts)).flat();
  }

  /** Batches handed to the threads and not answered yet. */
  get busy(): number {
    return this.pending.size;
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}
