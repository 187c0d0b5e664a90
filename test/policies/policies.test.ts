import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { customBuiltins } from '@elava/policies/builtins';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const POLICIES = resolve(import.meta.dirname, '../../policies');
const LOCAL_OPA = resolve(POLICIES, '../.elava/tools/bin/opa');
const opa = process.env.ELAVA_OPA ?? (existsSync(LOCAL_OPA) ? LOCAL_OPA : 'opa');
const DIST = join(POLICIES, 'dist');
const packages = readdirSync(POLICIES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !['dist', 'node_modules'].includes(d.name))
  .filter((d) => readdirSync(join(POLICIES, d.name)).some((f) => f.endsWith('.rego')))
  .map((d) => d.name);

interface OpaTestResult {
  name: string;
  package: string;
  fail?: boolean;
  error?: unknown;
}

describe('the Rego library: opa test, package by package', () => {
  it.each(packages)('elava.%s passes its Rego unit tests', async (name) => {
    const run = await exec(opa, ['test', join(POLICIES, name), '--format', 'json']).catch((err) => err);
    if (run.code === 'ENOENT') throw new Error(`no opa at ${opa}: run \`npm run setup\` or set ELAVA_OPA`);
    const results = JSON.parse(run.stdout) as OpaTestResult[];
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.fail || r.error).map((r) => `${r.package}.${r.name}`)).toEqual([]);
  });
});

describe('the compiled WebAssembly, evaluated by opa-wasm', () => {
  const manifest = JSON.parse(readFileSync(join(DIST, 'manifest.json'), 'utf8')) as {
    packages: { name: string; rules: string[] }[];
  };
  const load = (name: string) => loadPolicy(readFileSync(join(DIST, `${name}.wasm`)), undefined, customBuiltins);
  const evaluate = async (name: string, input: unknown, data: unknown = {}) => {
    const policy = await load(name);
    policy.setData(data as object);
    const out: Record<string, { msg: string; suggestion: string }[]> = {};
    for (const rule of manifest.packages.find((p) => p.name === name)?.rules ?? []) {
      out[rule] = policy.evaluate(input, `elava/${name}/${rule}`)[0]?.result ?? [];
    }
    return out;
  };
  const res = (type: string, attributes: unknown, tags = {}) => ({
    id: `aws:123456789012:us-east-1:${type}:x-1`,
    type,
    native_id: 'x-1',
    tags,
    attributes,
  });

  it('built every package of the library', () => {
    expect(manifest.packages.map((p) => p.name).sort()).toEqual([...packages].sort());
  });

  it('finds an SSH port open to the world, and nothing in a closed group', async () => {
    const open = await evaluate('security', {
      resource: res('ec2.security_group', {
        rules: [{ direction: 'ingress', protocol: 'tcp', from_port: 22, to_port: 22, source: '0.0.0.0/0' }],
      }),
    });
    expect(open.deny).toEqual([
      {
        msg: 'security group x-1 is open to 0.0.0.0/0 on port 22',
        suggestion: 'limit the rule to known addresses, or reach hosts through SSM',
      },
    ]);
    const closed = await evaluate('security', { resource: res('ec2.security_group', { rules: [] }) });
    expect(closed.deny).toEqual([]);
  });

  it('judges a transition: a security group widened to the world (sprintf on the host agrees with opa)', async () => {
    const out = await evaluate('transitions', {
      resource: res('ec2.security_group', {}),
      change: {
        type: 'modified',
        diff: [
          {
            path: 'attributes.rules[x]',
            after: { direction: 'ingress', protocol: 'tcp', from_port: 5432, to_port: 5432, source: '::/0' },
          },
        ],
      },
    });
    expect(out.deny?.map((d) => d.msg)).toEqual(['security group x-1 was opened to ::/0 (tcp 5432-5432)']);
  });

  it('checks the desired inventory passed as data: drifted and unmanaged', async () => {
    const expected = { 'ec2.instance': [{ name: 'web', match: { role: 'web' }, tags: { environment: 'production' } }] };
    const drifted = await evaluate(
      'inventory',
      { resource: res('ec2.instance', {}, { role: 'web', environment: 'dev' }) },
      {
        elava: { expected },
      },
    );
    expect(drifted.warn?.map((w) => w.msg)).toEqual([
      'aws:123456789012:us-east-1:ec2.instance:x-1 drifted from the expected web: tag environment is dev, expected production',
    ]);
    const stray = await evaluate(
      'inventory',
      { resource: res('ec2.instance', {}, { role: 'batch' }) },
      { elava: { expected } },
    );
    expect(stray.info?.map((i) => i.msg)).toEqual([
      'aws:123456789012:us-east-1:ec2.instance:x-1 is unmanaged: no expected ec2.instance entry covers it',
    ]);
  });

  it('uses the host builtins: a time from the input and data from the configuration', async () => {
    const stopped = res('ec2.instance', {
      instance_type: 't3.micro',
      state: 'stopped',
      state_transition_reason: 'User initiated (2026-10-01 10:00:00 GMT)',
    });
    const out = await evaluate('cost', { resource: stopped, now: '2026-11-22T12:00:00Z' });
    expect(out.warn?.map((w) => w.msg)).toEqual(['instance x-1 has been stopped for 52 days']);
    const tagged = await evaluate(
      'tags',
      { resource: res('ec2.instance', {}, { team: 'a' }) },
      {
        elava: { config: { required_tags: ['team', 'cost-center'] } },
      },
    );
    expect(tagged.warn?.map((w) => w.msg)).toEqual([
      'aws:123456789012:us-east-1:ec2.instance:x-1 lacks the required tag cost-center',
    ]);
  });
});
