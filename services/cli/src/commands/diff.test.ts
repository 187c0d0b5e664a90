import { describe, expect, it } from 'vitest';
import { EXIT, type Io } from '../io.js';
import { run } from '../program.js';

// No configuration file and no cluster: a refusal that names the argument can only come from
// the check made before anything is loaded or connected.
const offline = { ELAVA_CONFIG: '/nonexistent/elava.yaml', NATS_URL: 'nats://127.0.0.1:9' };

async function attempt(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), env: offline, cwd: process.cwd(), tty: false };
  const code = await run(argv, io);
  return { code, out, err: err.join('\n') };
}

describe('elava diff arguments', () => {
  it('names every bad instant, type, place and tag at once, before connecting', async () => {
    const r = await attempt([
      'diff',
      '--from',
      'yesterday',
      '--to',
      '2026-13-45T99:00:00Z',
      '--type',
      'ec2.vm',
      '--account',
      '42',
      '--tag',
      'env=prod',
      '--tag',
      '=x',
    ]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/^elava: --from: cannot read "yesterday" as a time/);
    for (const part of ['--to', '2026-13-45', '--type "ec2.vm"', '--account "42"', '--tag "=x"'])
      expect(r.err).toContain(part);
    expect(r.err).not.toContain('"env=prod"');
    expect(r.err).not.toMatch(/invalid configuration|NATS|recorder/);
    expect(r.out).toEqual([]);
  });

  it('wants --from, and takes good arguments through to the configuration', async () => {
    const missing = await attempt(['diff', '--to', '1h']);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.err).toContain("required option '--from <when>'");
    for (const argv of [
      ['diff', '--from', '1h'],
      ['diff', '--from', '12', '--to', '40', '--type', 'ec2.security_group', '--region', 'eu-west-1'],
      ['diff', '--from', '2026-11-22T10:00:00Z', '--tag', 'a=b', '--tag', 'c', '--json'],
    ]) {
      const r = await attempt(argv);
      expect(r.code, argv.join(' ')).toBe(EXIT.usage);
      expect(r.err, argv.join(' ')).toMatch(/invalid configuration \/nonexistent\/elava.yaml/);
    }
  });
});
