import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';

interface AbiExports {
  opa_eval(
    reserved: number,
    entrypoint: number,
    data: number,
    input: number,
    inputLen: number,
    heap: number,
    format: number,
  ): number;
}

/**
 * An evaluation that hands back the result's JSON as bytes, as the module wrote them: OPA's
 * WebAssembly ABI 1.2 `opa_eval` (https://www.openpolicyagent.org/docs/wasm), on the instance,
 * memory and data that opa-wasm loaded. `LoadedPolicy.evaluate` parses that JSON on the policy
 * thread, and the thread then copied the parsed objects to the service's thread: decoding, parsing
 * and the structured clone were more of a thread's time than the rules were. The bytes go over
 * as they are instead, and are parsed once, where they are read.
 */
export class RawEvaluator {
  private readonly exports: AbiExports;

  private constructor(
    private readonly policy: LoadedPolicy,
    private readonly ids: Record<string, number>,
  ) {
    this.exports = (policy.wasmInstance as unknown as { exports: AbiExports }).exports;
  }

  /** Null for a module older than ABI 1.2, or one without the named entrypoints: evaluate it the usual way. */
  static of(policy: LoadedPolicy, entrypoints: readonly string[]): RawEvaluator | null {
    const instance = policy.wasmInstance as unknown as { exports?: Partial<AbiExports> } | undefined;
    const ids = policy.entrypoints as Record<string, number> | undefined;
    if (Number(policy.minorVersion) < 2 || typeof instance?.exports?.opa_eval !== 'function' || !ids) return null;
    if (!entrypoints.every((e) => Number.isInteger(ids[e]))) return null;
    return new RawEvaluator(policy, ids);
  }

  /**
   * The result set's JSON (`[{"result": …}]`) for `input`, itself JSON as bytes. The view is into
   * the module's memory: valid until the next evaluation. Throws what the module throws.
   */
  evaluate(input: Uint8Array, entrypoint: string): Uint8Array {
    const p = this.policy;
    const at = p.dataHeapPtr as number;
    const grow = at + input.byteLength - p.mem.buffer.byteLength;
    if (grow > 0) p.mem.grow(Math.ceil(grow / 65_536));
    new Uint8Array(p.mem.buffer).set(input, at);
    const out = this.exports.opa_eval(
      0,
      this.ids[entrypoint] as number,
      p.dataAddr,
      at,
      input.byteLength,
      at + input.byteLength,
      0,
    );
    // The module may have grown its memory while evaluating: a fresh view, then its terminating NUL.
    const mem = new Uint8Array(p.mem.buffer);
    const end = mem.indexOf(0, out);
    if (end < 0) throw new Error('the policy module returned a result with no end');
    return mem.subarray(out, end);
  }
}
