import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const opa = process.env.ELAVA_OPA ?? 'opa';

const REGO = `package elava.probe

import rego.v1

deny contains {"msg": msg, "suggestion": "add an elava:owner tag"} if {
\tinput.resource.tags["elava:managed"] == "true"
\tnot input.resource.tags["elava:owner"]
\tmsg := sprintf("%s is managed but has no owner", [input.resource.id])
}
`;

describe('Rego compiled by opa build -t wasm, evaluated by opa-wasm', () => {
  it('fires on a managed resource without an owner and stays quiet on one with an owner', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'elava-opa-'));
    writeFileSync(join(dir, 'probe.rego'), REGO);
    await exec(opa, [
      'build',
      '-t',
      'wasm',
      '-e',
      'elava/probe/deny',
      '-o',
      join(dir, 'bundle.tar.gz'),
      join(dir, 'probe.rego'),
    ]);
    await exec('tar', ['-xzf', join(dir, 'bundle.tar.gz'), '-C', dir, '/policy.wasm']);
    const policy = await loadPolicy(readFileSync(join(dir, 'policy.wasm')));

    const id = 'aws:123456789012:us-east-1:ec2.instance:i-0abc';
    const fired = policy.evaluate({ resource: { id, tags: { 'elava:managed': 'true' } } });
    expect(fired).toEqual([
      { result: [{ msg: `${id} is managed but has no owner`, suggestion: 'add an elava:owner tag' }] },
    ]);
    const quiet = policy.evaluate({ resource: { id, tags: { 'elava:managed': 'true', 'elava:owner': 'sre' } } });
    expect(quiet).toEqual([{ result: [] }]);
  });
});
