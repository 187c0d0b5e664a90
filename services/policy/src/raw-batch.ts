import type { CompiledPackage } from './compiled.js';
import { type CombinedResult, combinedFindings, type SetAnswer } from './policy-set.js';

/**
 * A part's answers as a policy thread sends them: the combined module's result sets as one JSON
 * array, in input order, except the inputs in `others`, answered apart (a package threw, so they
 * were evaluated package by package) and left out of the array.
 */
export interface RawBatch {
  json: Uint8Array;
  others: Record<number, SetAnswer>;
}

/** Builds a RawBatch: result sets copied out of the module's memory as they come. */
export class RawBatchWriter {
  private buf: Uint8Array;
  private length = 1;
  private count = 0;
  private readonly others: RawBatch['others'] = {};

  constructor(sizeHint: number) {
    this.buf = new Uint8Array(Math.max(1024, sizeHint));
    this.buf[0] = 0x5b; // [
  }

  add(resultSet: Uint8Array): void {
    this.reserve(resultSet.byteLength + 2);
    if (this.count++ > 0) this.buf[this.length++] = 0x2c; // ,
    this.buf.set(resultSet, this.length);
    this.length += resultSet.byteLength;
  }

  other(index: number, answer: SetAnswer): void {
    this.others[index] = answer;
  }

  finish(): RawBatch {
    this.reserve(1);
    this.buf[this.length++] = 0x5d; // ]
    return { json: this.buf.subarray(0, this.length), others: this.others };
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.byteLength) return;
    const next = new Uint8Array(Math.max(this.buf.byteLength * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
}

const decoder = new TextDecoder();

/** The answers of a part of `count` inputs, in input order. Throws when the part is not what a thread writes. */
export function readRawBatch(packages: readonly CompiledPackage[], batch: RawBatch, count: number): SetAnswer[] {
  const sets = JSON.parse(decoder.decode(batch.json)) as { result?: CombinedResult }[][];
  const out: SetAnswer[] = [];
  let next = 0;
  for (let i = 0; i < count; i++) {
    const other = batch.others[i];
    if (other) {
      out.push(other);
      continue;
    }
    const result = sets[next++]?.[0]?.result;
    if (!result || typeof result !== 'object')
      throw new Error(`policy thread: input ${i} of ${count} came back without a result`);
    out.push({ findings: combinedFindings(packages, result), failures: [] });
  }
  if (next !== sets.length) throw new Error(`policy thread: ${sets.length} result sets for ${next} inputs`);
  return out;
}
