import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '@elava/store';
import { describe, expect, it } from 'vitest';
import { EXIT, type Io } from './io.js';
import { run } from './program.js';

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: Io = { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd: process.cwd(), tty: false };
  return { io: value, out, err };
}

async function storeWithData(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'elava-cli-'));
  const s = await Store.open(dir);
  for (let i = 0; i < 3; i++) {
    await s.applyScan(`b${i}`, { account: '123456789012', region: 'us-east-1', type: 'ec2.vpc' }, [
      {
        id: 'aws:123456789012:us-east-1:ec2.vpc:vpc-1',
        json: JSON.stringify({ id: 'aws:123456789012:us-east-1:ec2.vpc:vpc-1', gen: i, tags: {} }),
        tags: {},
      },
    ]);
  }
  await s.appendAudit({ type: 'scan_completed', resource_id: '', data: {} });
  await s.appendAudit({ type: 'scan_completed', resource_id: '', data: {} });
  await s.close();
  return dir;
}

describe('elava store', () => {
  it('checks a healthy store (exit 0) and a damaged one (exit 1), and repairs it', async () => {
    const dir = await storeWithData();
    const ok = io();
    expect(await run(['store', 'check', '--data-dir', dir], ok.io)).toBe(EXIT.ok);
    expect(ok.out.join('\n')).toMatch(/last revision 3[\s\S]*audit chain verified \(2 entries\)[\s\S]*ok/);

    const seg = join(dir, 'seg-0000000001.log');
    const bytes = readFileSync(seg);
    const at = bytes.indexOf('"gen":1');
    bytes[at + 6] = '7'.charCodeAt(0);
    writeFileSync(seg, bytes);
    const bad = io();
    expect(await run(['store', 'check', '--data-dir', dir, '--json'], bad.io)).toBe(EXIT.finding);
    expect(JSON.parse(bad.out.join(''))).toMatchObject({
      ok: false,
      corruption: { segment: 'seg-0000000001.log', reason: 'checksum mismatch' },
    });

    const fixed = io();
    expect(await run(['store', 'repair', '--data-dir', dir], fixed.io)).toBe(EXIT.ok);
    expect(fixed.out.join('\n')).toMatch(/truncated seg-0000000001.log at offset \d+/);
    const stats = io();
    expect(await run(['store', 'stats', '--data-dir', dir, '--json'], stats.io)).toBe(EXIT.ok);
    expect(JSON.parse(stats.out.join(''))).toMatchObject({ revision: 1, versions: 1 });
  });

  it('compacts by age and refuses a bad age with exit 2', async () => {
    const dir = await storeWithData();
    const bad = io();
    expect(await run(['compact', '--retain', 'forever', '--data-dir', dir], bad.io)).toBe(EXIT.usage);
    expect(bad.err.join('')).toContain('--retain takes an age such as 90d');
    const none = io();
    expect(await run(['compact', '--retain', '90d', '--data-dir', dir], none.io)).toBe(EXIT.ok);
    expect(none.out.join('')).toContain('nothing older than 90d');
    const all = io();
    expect(await run(['compact', '--retain', '0s', '--data-dir', dir, '--json'], all.io)).toBe(EXIT.ok);
    expect(JSON.parse(all.out.join(''))).toMatchObject({
      compacted: true,
      revision: 3,
      versionsBefore: 3,
      versionsAfter: 1,
    });
  });

  it('says what is wrong with usage, a missing store and a bad config, with exit 2', async () => {
    const a = io();
    expect(await run(['store', 'nope'], a.io)).toBe(EXIT.usage);
    const b = io();
    expect(await run(['store', 'check', '--data-dir', '/nonexistent/elava'], b.io)).toBe(EXIT.usage);
    expect(b.err.join('')).toContain('no store at /nonexistent/elava');
    // Compaction opens the store to write: a mistyped path is refused, not made into an empty store.
    const missing = join(tmpdir(), `elava-missing-${process.pid}`);
    const e = io();
    expect(await run(['compact', '--retain', '90d', '--data-dir', missing], e.io)).toBe(EXIT.usage);
    expect(e.err.join('')).toContain(`no store at ${missing}`);
    expect(existsSync(missing)).toBe(false);
    const c = io({ ELAVA_CONFIG: '/nonexistent/elava.yaml' });
    expect(await run(['store', 'check'], c.io)).toBe(EXIT.usage);
    expect(c.err.join('')).toMatch(/invalid configuration \/nonexistent\/elava.yaml[\s\S]*file not found/);
    const d = io();
    expect(await run(['--help'], d.io)).toBe(EXIT.ok);
    expect(d.out.join('')).toContain('compact');
  });
});

describe('arguments are checked before anything is loaded or connected', () => {
  // No configuration file and no cluster: a refusal that names the argument can only come from the check.
  const offline = { ELAVA_CONFIG: '/nonexistent/elava.yaml', NATS_URL: 'nats://127.0.0.1:9' };
  const refused = async (argv: string[], ...expected: (string | RegExp)[]) => {
    const r = io(offline);
    expect(await run(argv, r.io), argv.join(' ')).toBe(EXIT.usage);
    const text = r.err.join('\n');
    for (const e of expected) expect(text).toMatch(e);
    expect(text).not.toMatch(/invalid configuration|NATS|recorder/);
    expect(r.out).toEqual([]);
  };

  it('names a bad time, revision or age in --at and --since', async () => {
    await refused(['resources', '--at', 'garbage'], /^elava: --at: cannot read "garbage" as a time/);
    await refused(['resources', '--at', '2026-13-45T99:00:00Z'], '--at', '2026-13-45');
    await refused(['changes', '--since', 'yesterday'], /--since: cannot read "yesterday" as a time/);
    await refused(['decisions', '--since', '-5'], '--since', '"-5"');
    await refused(['audit', '--since', '10 minutes'], '--since', '"10 minutes"');
  });

  it('names a bad resource id, type, tag, action, severity or limit', async () => {
    await refused(
      ['resources', '--type', 'ec2.nope'],
      /--type "ec2.nope": unknown resource type; expected one of ec2.instance/,
    );
    await refused(['resources', '--tag', '=prod'], '--tag "=prod": expected key=value or key');
    await refused(['resources', '--region', 'US East'], '--region "US East"');
    await refused(['resources', '--account', '42'], '--account "42": expected a 12-digit account id');
    await refused(['resources', '--limit', '0'], '--limit "0": expected a whole number above 0');
    await refused(['changes', '--limit', 'lots'], '--limit "lots"');
    await refused(['changes', '--type', 'exploded'], '--type "exploded": unknown type; expected a change type');
    await refused(['changes', '--resource', 'i-0abc'], '--resource "i-0abc": expected a canonical id');
    await refused(['decisions', '--severity', 'high'], '--severity "high": unknown severity');
    await refused(['decisions', '--action', 'delete'], '--action "delete": unknown action');
    await refused(['audit', '--type', 'decided,exploded'], '--type "decided,exploded": unknown audit entry type');
    await refused(['audit', '--resource', 'sg-1'], '--resource "sg-1"');
    await refused(['history', 'i-0abc'], '<resource-id> "i-0abc": expected a canonical id');
    await refused(['why', 'not a decision!'], '<decision-id> "not a decision!": expected a decision id');
    // Several problems at once are all named.
    await refused(['resources', '--at', 'soon', '--type', 'vm'], '--at', '--type "vm"');
  });

  it('lets good arguments through to the configuration (and then the cluster)', async () => {
    for (const argv of [
      ['resources', '--at', '5m', '--type', 'ec2.instance', '--tag', 'environment=production', '--limit', '5'],
      ['resources', '--at', '42'],
      ['changes', '--since', '2026-11-22T10:00:00Z', '--type', 'tag_drift'],
      ['decisions', '--since', '7d', '--severity', 'critical', '--action', 'alert'],
      ['audit', '--type', 'decided,executed', '--resource', 'aws:123456789012:us-east-1:ec2.instance:i-0abc'],
      ['history', 'aws:123456789012:us-east-1:ec2.instance:i-0abc'],
      ['why', '9b1d0c3e5f'],
    ]) {
      const r = io(offline);
      expect(await run(argv, r.io), argv.join(' ')).toBe(EXIT.usage);
      expect(r.err.join('\n'), argv.join(' ')).toMatch(/invalid configuration \/nonexistent\/elava.yaml/);
    }
  });
});
