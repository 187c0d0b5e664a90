import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { EXIT, type Io, run } from '@elava/cli';
import { Store } from '@elava/store';
import type { AnyResource } from '@elava/types';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDirFor } from '../support/infra.js';

const ROOT = resolve(import.meta.dirname, '../..');
const POLICIES = join(ROOT, 'policies');
const ACCOUNT = '123456789012';
const DAY = 86_400_000;

/** A rule the library in service lacks: a security group tagged purpose=probe, when its tags change. */
const PROBE = `package elava.tags

import rego.v1

warn contains {"msg": msg, "suggestion": "remove the probe tag"} if {
\tinput.change.type == "tag_drift"
\tinput.resource.tags.purpose == "probe"
\tmsg := concat("", ["probe tag on ", input.resource.id])
}
`;

const group = (native: string, tags: Record<string, string>): AnyResource =>
  ({
    id: `aws:${ACCOUNT}:us-east-1:ec2.security_group:${native}`,
    provider: 'aws',
    account: ACCOUNT,
    region: 'us-east-1',
    type: 'ec2.security_group',
    native_id: native,
    name: native,
    tags,
    attributes: {
      group_name: native,
      description: 'web',
      vpc_id: 'vpc-1',
      rules: [{ direction: 'ingress', protocol: 'tcp', from_port: 443, to_port: 443, source: '0.0.0.0/0' }],
    },
  }) as unknown as AnyResource;

/** A copy of the repository's policy sources (no dist), perhaps with the probe rule, compiled in place. */
function library(dir: string, probe: boolean): string {
  cpSync(POLICIES, dir, {
    recursive: true,
    filter: (src) => !['dist', 'node_modules'].includes(relative(POLICIES, src).split(sep)[0] as string),
  });
  if (probe) writeFileSync(join(dir, 'tags', 'probe.rego'), PROBE);
  const built = spawnSync(process.execPath, [join(POLICIES, 'build.mjs'), '--dir', dir], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`policy build failed: ${built.stdout}${built.stderr}`);
  return dir;
}

function io(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    env: process.env,
    cwd: ROOT,
    tty: false,
    stdout,
    stderr,
  };
}

interface Report {
  packages: Record<string, string>;
  versions: number;
  rules: { package: string; rule: string; findings: number; resources: number; first: string; last: string }[];
  difference: Record<
    'new' | 'disappearing',
    {
      package: string;
      rule: string;
      findings: number;
      resources: { id: string; first: string; last: string; msg: string }[];
    }[]
  >;
}

/**
 * `elava policy backtest` end to end: a store whose history was recorded over the last ten days
 * (the clock set back while writing), two libraries compiled from the repository's sources, one
 * with a rule the other lacks, and the command run as a user would, with the store held open by
 * its writer meanwhile (a live recorder's lock).
 */
describe('elava policy backtest', () => {
  const dir = tempDirFor('elava-backtest-');
  const data = join(dir, 'data');
  const plain = join(dir, 'plain');
  const probed = join(dir, 'probed');
  const now = Date.now();
  const twoDaysAgo = new Date(now - 2 * DAY).toISOString();
  const probe = group('sg-probe', { Name: 'probe', 'elava:owner': 'web', environment: 'production' });
  const other = group('sg-other', { Name: 'other', 'elava:owner': 'web', environment: 'production' });
  let writer: Store;

  const config = (policies: string) => {
    const file = join(dir, `elava-${relative(dir, policies)}.yaml`);
    writeFileSync(
      file,
      `version: "2.0"\nstorage: { dir: ${JSON.stringify(data)} }\npolicies: { path: ${JSON.stringify(policies)} }\n`,
    );
    return file;
  };
  const backtest = async (service: string, tried: string, ...more: string[]) => {
    const out = io();
    const code = await run(
      ['--config', config(service), 'policy', 'backtest', '--policies', tried, ...more, '--json'],
      out,
    );
    if (code !== EXIT.ok) throw new Error(`exit ${code}: ${out.stderr.join('\n')}`);
    return JSON.parse(out.stdout.join('\n')) as Report;
  };

  beforeAll(async () => {
    library(plain, false);
    library(probed, true);
    const scope = { account: ACCOUNT, region: 'us-east-1', type: 'ec2.security_group' as const };
    // The store takes each revision's time from the clock: set back while the history is written.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      writer = await Store.open(data);
      vi.setSystemTime(now - 10 * DAY);
      await writer.applyScan('s1', scope, [probe, other], { complete: true });
      vi.setSystemTime(Date.parse(twoDaysAgo));
      await writer.applyScan('s2', scope, [group('sg-probe', { ...probe.tags, purpose: 'probe' }), other], {
        complete: true,
      });
      vi.setSystemTime(now - DAY);
      await writer.applyScan('s3', scope, [group('sg-probe', { ...probe.tags, purpose: 'probe' })], { complete: true });
    } finally {
      vi.useRealTimers();
    }
  });
  afterAll(async () => {
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports a rule added to the library with the resource it would have fired on, and when', async () => {
    const r = await backtest(plain, probed, '--since', '3d');
    // Only the package with the new rule differs from the library in service, and only its new rule speaks.
    expect(Object.entries(r.packages).filter(([, s]) => s !== 'same')).toEqual([['elava.tags', 'changed']]);
    // In the window: the tag change two days ago, and sg-other gone a day ago.
    expect(r.versions).toBe(2);
    expect(r.difference.disappearing).toEqual([]);
    expect(r.difference.new).toEqual([
      {
        package: 'elava.tags',
        rule: 'warn',
        severity: 'warning',
        findings: 1,
        resources: [
          { id: probe.id, findings: 1, first: twoDaysAgo, last: twoDaysAgo, msg: `probe tag on ${probe.id}` },
        ],
      },
    ]);
    expect(r.rules).toContainEqual(
      expect.objectContaining({ package: 'elava.tags', rule: 'warn', findings: 1, resources: 1, first: twoDaysAgo }),
    );
    // The security group is open to the world on 443: the library's own rule, the same in both.
    expect(r.rules.find((x) => x.package === 'elava.security')).toBeUndefined();
  });

  it('reports the findings that would disappear when a rule is removed, and nothing outside the window', async () => {
    const r = await backtest(probed, plain, '--since', '3d');
    expect(r.difference.new).toEqual([]);
    expect(r.difference.disappearing).toEqual([
      expect.objectContaining({
        package: 'elava.tags',
        rule: 'warn',
        findings: 1,
        resources: [expect.objectContaining({ id: probe.id, first: twoDaysAgo })],
      }),
    ]);
    // A window that ends before the tag change: nothing to say.
    const before = await backtest(probed, plain, '--since', '11d', '--until', '3d');
    expect(before.versions).toBe(2);
    expect(before.difference).toEqual({ new: [], disappearing: [] });
  });

  it('is quiet when the library tried is the one in service, and prints a table at a terminal-less stdout', async () => {
    const same = await backtest(plain, plain, '--since', '30d', '--type', 'ec2.security_group');
    expect(Object.values(same.packages).every((s) => s === 'same')).toBe(true);
    expect(same.versions).toBe(4);
    expect(same.difference).toEqual({ new: [], disappearing: [] });

    const out = io();
    expect(
      await run(['--config', config(plain), 'policy', 'backtest', '--policies', probed, '--since', '3d'], out),
    ).toBe(EXIT.ok);
    const text = out.stdout.join('\n');
    expect(text).toContain('library in service');
    expect(text).toContain('elava.tags changed');
    expect(text).toContain(`+ elava.tags warn (warning): 1 finding on 1 resource`);
    expect(text).toContain(`${probe.id}  ${twoDaysAgo}`);
    // No progress bar: stderr is no terminal here. And no copy of the store is left behind.
    expect(out.stderr).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.includes('backtest'))).toEqual([]);
  });

  it('refuses a library that does not compile, naming it, and leaves the library in service alone', async () => {
    const broken = join(dir, 'broken');
    cpSync(plain, broken, { recursive: true });
    writeFileSync(join(broken, 'tags', 'broken.rego'), 'package elava.tags\n\nwarn contains x if {\n');
    const manifest = readFileSync(join(plain, 'dist', 'manifest.json'), 'utf8');
    const out = io();
    expect(await run(['--config', config(plain), 'policy', 'backtest', '--policies', broken], out)).toBe(EXIT.finding);
    expect(out.stderr.join('\n')).toMatch(/does not compile/);
    expect(out.stderr.join('\n')).toMatch(/elava\.tags/);
    expect(readFileSync(join(plain, 'dist', 'manifest.json'), 'utf8')).toBe(manifest);
  });
});
