import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { loadConfig, parseConfig } from './load.js';

const repo = resolve(import.meta.dirname, '../../..');

function refused(text: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    parseConfig(text, '/etc/elava/elava.yaml', env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected the configuration to be refused');
}

describe('elava.yaml', () => {
  it('fills defaults from a minimal file', () => {
    const c = parseConfig('version: "2.0"\n', '/etc/elava/elava.yaml', {});
    expect(c.regions).toEqual(['us-east-1']);
    expect(c.policies.enforcement_mode).toBe('notify');
    expect(c.policies.severity_actions).toEqual({ critical: 'alert', warning: 'notify', info: 'audit' });
    // No tiers: every type is scanned every change_detection.check_interval.
    expect(c.scanning.tiers).toEqual({});
    expect(c.change_detection.check_interval).toBe(3_600_000);
    expect(c.behavior.grace_period).toBe(86_400_000);
    expect(c.behavior.auto_delete).toBe(false);
    expect(c.storage.dir).toBe('/etc/elava/.elava/data');
    expect(c.actions.notifications.slack.channels).toEqual({});
  });

  it('accepts the documented example and the demo file', () => {
    const env = { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/A/B/C' };
    const example = loadConfig({ path: join(repo, 'elava.example.yaml'), env }).config;
    expect(example.regions).toEqual(['us-east-1', 'eu-west-1']);
    expect(example.accounts[0]?.id).toBe('123456789012');
    expect(example.scanning.tiers.critical?.scan_interval).toBe(300_000);
    expect(example.scanning.adaptive_hours).toMatchObject({ enabled: true, off_hours_factor: 4 });
    expect(example.actions.notifications.slack.webhook).toBe(env.SLACK_WEBHOOK_URL);
    expect(example.change_detection.track).toHaveLength(6);
    expect(example.change_detection.alert_on).toMatchObject({ disappeared_managed: 'warning', new_untagged: 'info' });
    expect(example.policies.auto_remediate.blessed_protection).toBe(false);
    const demo = loadConfig({ path: join(repo, 'examples/demo.yaml'), env: {} }).config;
    expect(demo.aws.endpoint).toBe('http://127.0.0.1:5000');
    expect(demo.policies.path).toBe(join(repo, 'policies'));
  });

  it('expands ${VAR} and ${VAR:-default} in values, never as YAML', () => {
    const c = parseConfig('version: "2.0"\nredis:\n  url: ${R}\nnats:\n  url: ${N:-nats://10.0.0.1:4222}\n', 'x.yaml', {
      R: 'redis://h:1/0\nkey: injected',
    });
    expect(c.redis.url).toBe('redis://h:1/0\nkey: injected');
    expect(c.nats.url).toBe('nats://10.0.0.1:4222');
  });

  it('keeps a cluster in its own redis.prefix, which the environment may override, and refuses one with ":"', () => {
    expect(parseConfig('version: "2.0"\n', 'x.yaml', {}).redis.prefix).toBe('elava');
    expect(parseConfig('version: "2.0"\nredis: { prefix: elava-eu }\n', 'x.yaml', {}).redis.prefix).toBe('elava-eu');
    const env = { ELAVA_REDIS_PREFIX: 'from-env', ELAVA_QUEUE_PREFIX: 'older-name' };
    expect(parseConfig('version: "2.0"\nredis: { prefix: elava-eu }\n', 'x.yaml', env).redis.prefix).toBe('from-env');
    expect(parseConfig('version: "2.0"\n', 'x.yaml', { ELAVA_QUEUE_PREFIX: 'older-name' }).redis.prefix).toBe(
      'older-name',
    );
    expect(refused('version: "2.0"\nredis: { prefix: "a:b" }\n').message).toMatch(/redis\.prefix: .*no ":"/);
    expect(() => parseConfig('version: "2.0"\n', 'x.yaml', { ELAVA_REDIS_PREFIX: 'a b' })).toThrow(
      /ELAVA_REDIS_PREFIX/,
    );
  });

  it('lets the environment say where things are', () => {
    const c = parseConfig('version: "2.0"\nredis: { url: redis://file:1 }\n', '/a/elava.yaml', {
      REDIS_URL: 'redis://env:2',
      NATS_URL: 'nats://env:3',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
      AWS_REGION: 'eu-north-1',
    });
    expect(c.redis.url).toBe('redis://env:2');
    expect(c.nats.url).toBe('nats://env:3');
    // The environment names the server; how long its streams keep messages stays the file's.
    expect(c.nats.retention).toBe(7 * 86_400_000);
    const kept = parseConfig('version: "2.0"\nnats: { retention: 0s }\n', 'x.yaml', { NATS_URL: 'nats://env:3' });
    expect(kept.nats).toEqual({ url: 'nats://env:3', retention: 0 });
    expect(() => parseConfig('version: "2.0"\nnats: { retention: forever }\n', 'x.yaml', {})).toThrow(
      /nats\.retention/,
    );
    // The store keeps everything unless told; a retention is a duration, checked at load.
    expect(c.storage.retention).toBe(0);
    expect(parseConfig('version: "2.0"\nstorage: { retention: 90d }\n', 'x.yaml', {}).storage.retention).toBe(
      90 * 86_400_000,
    );
    expect(() => parseConfig('version: "2.0"\nstorage: { retention: a year }\n', 'x.yaml', {})).toThrow(
      /storage\.retention/,
    );
    expect(c.aws.endpoint).toBe('http://127.0.0.1:5000');
    expect(c.regions).toEqual(['eu-north-1']);
    expect(c.api).toEqual({ host: '127.0.0.1', port: 7070, timeout: 10_000, auth_token: '' });
    const api = parseConfig('version: "2.0"\napi: { port: 1 }\n', 'x.yaml', {
      ELAVA_API_PORT: '0',
      ELAVA_API_HOST: '::',
    });
    expect(api.api).toMatchObject({ host: '::', port: 0 });
    expect(parseConfig('version: "2.0"\n', 'x.yaml', { ELAVA_API_TOKEN: 'a'.repeat(16) }).api.auth_token).toBe(
      'a'.repeat(16),
    );
    // The token itself is never echoed in the error: only its length.
    expect(() => parseConfig('version: "2.0"\n', 'x.yaml', { ELAVA_API_TOKEN: 'secret' })).toThrow(
      /ELAVA_API_TOKEN: expected at least 16 characters, found 6$/,
    );
    expect(() => parseConfig('version: "2.0"\n', 'x.yaml', { ELAVA_API_PORT: 'http' })).toThrow(
      /ELAVA_API_PORT: expected a port number 0-65535, found "http"/,
    );
  });

  describe('refuses, naming the file and the key path', () => {
    it('an unknown key', () => {
      const e = refused(
        'version: "2.0"\nscanning:\n  tiers:\n    fast:\n      scan_interval: 1m\n      interval: 5m\n',
      );
      expect(e.message).toContain('/etc/elava/elava.yaml');
      expect(e.problems).toContainEqual({ path: 'scanning.tiers.fast.interval', message: 'unknown key' });
    });

    it('a wrong type', () => {
      const e = refused('version: "2.0"\nscanning:\n  enabled: "yes please"\n');
      expect(e.problems).toEqual([
        { path: 'scanning.enabled', message: 'expected boolean, found string "yes please"' },
      ]);
    });

    it('a missing required field', () => {
      expect(refused('provider: aws\n').problems).toEqual([
        {
          path: 'version',
          message: 'expected version "2.0" (quote it: version: "2.0"), found nothing (the key is missing)',
        },
      ]);
      const e = refused('version: "2.0"\nscanning:\n  tiers:\n    fast:\n      patterns: []\n');
      expect(e.problems[0]?.path).toBe('scanning.tiers.fast.scan_interval');
      expect(e.problems[0]?.message).toContain('expected a duration like 30s, 15m, 1h or 7d, found nothing');
    });

    it('a bad duration', () => {
      const e = refused(
        'version: "2.0"\nbehavior:\n  grace_period: fortnight\nchange_detection:\n  lookback_window: 7\n',
      );
      expect(e.problems).toEqual([
        {
          path: 'change_detection.lookback_window',
          message: 'expected a duration like 30s, 15m, 1h or 7d, found the bare number 7 (add a unit)',
        },
        { path: 'behavior.grace_period', message: 'expected a duration like 30s, 15m, 1h or 7d, found "fortnight"' },
      ]);
    });

    it('an unquoted version, an unknown enum value and an unquoted account id', () => {
      const e = refused('version: 2.0\npolicies:\n  enforcement_mode: yolo\naccounts:\n  - id: 123456789012\n');
      const byPath = Object.fromEntries(e.problems.map((p) => [p.path, p.message]));
      expect(byPath.version).toContain('quote it');
      expect(byPath['policies.enforcement_mode']).toBe(
        'expected one of "notify", "enforce", "dry_run", found string "yolo"',
      );
      expect(byPath['accounts[0].id']).toContain('write it in quotes');
    });

    it('auto_delete: true, because Elava never deletes', () => {
      const e = refused('version: "2.0"\nbehavior:\n  auto_delete: true\n');
      expect(e.problems[0]).toMatchObject({ path: 'behavior.auto_delete' });
      expect(e.problems[0]?.message).toContain('Elava never deletes');
    });

    it('an unset variable without a default', () => {
      const e = refused('version: "2.0"\nactions:\n  notifications:\n    slack:\n      webhook: ${HOOK}\n');
      expect(e.problems[0]?.path).toBe('actions.notifications.slack.webhook');
      expect(e.problems[0]?.message).toContain('environment variable HOOK is not set');
    });

    it('YAML syntax errors and duplicate keys, with line numbers', () => {
      expect(refused('version: "2.0"\nscanning: [\n').problems[0]?.message).toMatch(/YAML syntax at line \d+/);
      expect(refused('version: "2.0"\nversion: "2.0"\n').problems[0]?.message).toMatch(/line 2/);
    });

    it('an empty file, a list, a missing file and a directory', () => {
      expect(refused('').problems[0]?.message).toContain('file is empty');
      expect(refused('- a\n').problems[0]?.message).toContain('expected a mapping');
      const dir = mkdtempSync(join(tmpdir(), 'elava-config-'));
      expect(() => loadConfig({ path: join(dir, 'nope.yaml') })).toThrow(/nope\.yaml[\s\S]*file not found/);
      mkdirSync(join(dir, 'd.yaml'));
      expect(() => loadConfig({ path: join(dir, 'd.yaml') })).toThrow(/is a directory/);
    });
  });

  it('takes ELAVA_CONFIG when no --config is given, --config first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'elava-config-'));
    writeFileSync(join(dir, 'a.yaml'), 'version: "2.0"\nregion: eu-west-1\n');
    writeFileSync(join(dir, 'b.yaml'), 'version: "2.0"\nregion: ap-south-1\n');
    const env = { ELAVA_CONFIG: join(dir, 'a.yaml') };
    expect(loadConfig({ env }).config.regions).toEqual(['eu-west-1']);
    expect(loadConfig({ env, path: join(dir, 'b.yaml') }).config.regions).toEqual(['ap-south-1']);
    expect(readFileSync(join(dir, 'a.yaml'), 'utf8')).toContain('eu-west-1');
  });
});
