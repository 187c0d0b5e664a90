import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCompiled } from './compiled.js';
import { PolicySet } from './policy-set.js';

// The library as `npm run build` compiled it (npm test builds first).
const POLICIES = resolve(import.meta.dirname, '../../../policies');

const res = (type: string, attributes: unknown, tags: Record<string, string> = {}) => ({
  id: `aws:123456789012:us-east-1:${type}:x-1`,
  type,
  native_id: 'x-1',
  name: 'x',
  tags,
  attributes,
});

describe('PolicySet over the compiled library', () => {
  it('loads every package and maps deny/warn/info to critical/warning/info', async () => {
    const { problems, ...library } = readCompiled(POLICIES);
    expect(problems).toEqual([]);
    expect(library.combined).toBeDefined();
    const set = await PolicySet.load(library);
    expect(set.packages).toEqual(expect.arrayContaining(['elava.security', 'elava.tags', 'elava.cost']));
    const out = set.evaluate({
      resource: res('rds.instance', { publicly_accessible: true, storage_encrypted: false }, {}),
      now: '2026-11-22T12:00:00Z',
    });
    expect(out.failures).toEqual([]);
    const seen = out.findings.map((f) => `${f.package}/${f.rule}/${f.severity}`).sort();
    expect(seen).toEqual(['elava.security/deny/critical', 'elava.security/warn/warning', 'elava.tags/info/info']);
  });

  it('names a package that will not load and one that throws, and keeps the others running', async () => {
    const { packages } = readCompiled(POLICIES);
    const broken = { name: 'broken', rules: ['deny' as const], wasm: new Uint8Array([0, 1, 2, 3]) };
    const set = await PolicySet.load({ packages: [...packages, broken] });
    expect(set.failures).toEqual([{ package: 'elava.broken', error: expect.any(String) }]);
    // A `now` that is not a time makes elava.cost's time builtin throw for a stopped instance.
    const stopped = res('ec2.instance', {
      instance_type: 't3.micro',
      state: 'stopped',
      state_transition_reason: 'User initiated (2026-10-01 10:00:00 GMT)',
    });
    const out = set.evaluate({ resource: stopped, now: 'last tuesday' });
    expect(out.failures).toEqual([{ package: 'elava.cost', error: expect.stringMatching(/parse_rfc3339_ns/) }]);
    expect(out.findings.some((f) => f.package === 'elava.tags')).toBe(true);
  });

  it('with the combined module, still names the package that throws (by falling back to each)', async () => {
    const { problems: _p, ...library } = readCompiled(POLICIES);
    const set = await PolicySet.load(library);
    const stopped = res('ec2.instance', {
      instance_type: 't3.micro',
      state: 'stopped',
      state_transition_reason: 'User initiated (2026-10-01 10:00:00 GMT)',
    });
    const bad = set.evaluate({ resource: stopped, now: 'last tuesday' });
    expect(bad.failures.map((f) => f.package)).toEqual(['elava.cost']);
    const good = set.evaluate({ resource: stopped, now: '2026-11-22T12:00:00Z' });
    expect(good.failures).toEqual([]);
    expect(good.findings.map((f) => f.msg)).toContain('instance x-1 has been stopped for 52 days');
  });

  it('reports a missing build plainly', () => {
    expect(readCompiled('/nonexistent').problems[0]).toMatch(/no compiled policies at .*npm run build/);
  });
});
