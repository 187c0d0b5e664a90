import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CompiledPackage, readCompiled } from './compiled.js';
import { combinedFindings, PolicySet } from './policy-set.js';
import { PolicyPool } from './pool.js';
import { RawBatchWriter, readRawBatch } from './raw-batch.js';

// The library as `npm run build` compiled it (npm test builds first).
const POLICIES = resolve(import.meta.dirname, '../../../policies');
const enc = new TextEncoder();
const bytes = (v: unknown) => enc.encode(JSON.stringify(v));
const PACKAGES: CompiledPackage[] = [
  { name: 'cost', rules: ['warn', 'info'], wasm: new Uint8Array() },
  { name: 'tags', rules: ['warn'], wasm: new Uint8Array() },
];
const stopped = (now: string) => ({
  resource: {
    id: 'aws:123456789012:us-east-1:ec2.instance:i-1',
    type: 'ec2.instance',
    native_id: 'i-1',
    name: 'x',
    tags: {},
    attributes: {
      instance_type: 't3.micro',
      state: 'stopped',
      state_transition_reason: 'User initiated (2026-10-01 10:00:00 GMT)',
    },
  },
  now,
});

describe('a policy thread’s answers as bytes (RawBatch)', () => {
  it('reads result sets back in input order, with the inputs answered apart in their places', () => {
    const w = new RawBatchWriter(8);
    w.add(bytes([{ result: [['tags', 'warn', { msg: 'a', suggestion: 's' }]] }]));
    w.other(1, { findings: [], failures: [{ package: 'elava.cost', error: 'boom' }] });
    w.add(bytes([{ result: [] }]));
    w.add(bytes([{ result: [['cost', 'info', 'plain text']] }]));
    const out = readRawBatch(PACKAGES, w.finish(), 4);
    expect(out.map((r) => r.findings.map((f) => `${f.package}/${f.rule}/${f.severity}/${f.msg}`))).toEqual([
      ['elava.tags/warn/warning/a'],
      [],
      [],
      ['elava.cost/info/info/"plain text"'],
    ]);
    expect(out[1]?.failures).toEqual([{ package: 'elava.cost', error: 'boom' }]);
  });

  it('refuses a part whose count or triples are not what a thread writes', () => {
    const w = new RawBatchWriter(8);
    w.add(bytes([{ result: [] }]));
    const one = w.finish();
    expect(() => readRawBatch(PACKAGES, one, 2)).toThrow(/input 1 of 2 came back without a result/);
    expect(() => readRawBatch(PACKAGES, one, 0)).toThrow(/1 result sets for 0 inputs/);
    const bad = new RawBatchWriter(8);
    bad.add(bytes([{ result: [['tags', 'maybe', {}]] }]));
    expect(() => readRawBatch(PACKAGES, bad.finish(), 1)).toThrow(/not \[package, rule, finding\]/);
  });

  it('reads a library built before the triples ({package: {rule: findings}}) in package and rule order', () => {
    const old = { tags: { warn: [{ msg: 't' }] }, cost: { info: [{ msg: 'i' }], warn: [{ msg: 'w' }] } };
    expect(combinedFindings(PACKAGES, old).map((f) => `${f.package}/${f.rule}/${f.msg}`)).toEqual([
      'elava.cost/warn/w',
      'elava.cost/info/i',
      'elava.tags/warn/t',
    ]);
  });
});

describe('evaluating into bytes over the compiled library', () => {
  it('gives the findings evaluate gives, and no bytes where a package throws', async () => {
    const { problems, ...library } = readCompiled(POLICIES);
    expect(problems).toEqual([]);
    const set = await PolicySet.load(library);
    const good = stopped('2026-11-22T12:00:00Z');
    const raw = set.evaluateRaw(bytes(good));
    expect(raw).not.toBeNull();
    const parsed = JSON.parse(new TextDecoder().decode(raw as Uint8Array));
    const findings = combinedFindings(library.packages, parsed[0].result);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings).toEqual(set.evaluate(good).findings);
    expect(set.evaluateRaw(bytes(stopped('last tuesday')))).toBeNull();
  });

  it('through the thread pool: the input that throws is named, its neighbours answered', async () => {
    const { problems: _p, ...library } = readCompiled(POLICIES);
    const pool = await PolicyPool.start(library, {}, 1);
    const set = await PolicySet.load(library);
    try {
      const inputs = [stopped('2026-11-22T12:00:00Z'), stopped('last tuesday'), stopped('2026-11-23T12:00:00Z')];
      const out = await pool.evaluate(inputs);
      expect(out.map((r) => r.failures.map((f) => f.package))).toEqual([[], ['elava.cost'], []]);
      expect(out[0]?.findings).toEqual(set.evaluate(inputs[0] as (typeof inputs)[0]).findings);
      expect(out[2]?.findings).toEqual(set.evaluate(inputs[2] as (typeof inputs)[0]).findings);
      expect(out[1]?.findings.some((f) => f.package === 'elava.tags')).toBe(true);
    } finally {
      await pool.close();
    }
  });
});
