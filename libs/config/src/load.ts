import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { describeValue } from './describe.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { expandEnv } from './expand.js';
import { configSchema, type ElavaConfig } from './schema.js';

export interface LoadOptions {
  /** From `--config`; wins over ELAVA_CONFIG. */
  path?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface LoadedConfig {
  config: ElavaConfig;
  /** Absolute path of the file read, or null when defaults were used. */
  file: string | null;
}

/** `--config`, then ELAVA_CONFIG, then ./elava.yaml if present; null means built-in defaults. */
export function resolveConfigPath(opts: LoadOptions = {}): string | null {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const given = opts.path ?? env.ELAVA_CONFIG;
  if (given) return resolve(cwd, given);
  const local = resolve(cwd, 'elava.yaml');
  return existsSync(local) ? local : null;
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const file = resolveConfigPath(opts);
  if (file === null) {
    return { config: finish(validate({ version: '2.0' }, '(built-in defaults)'), env, cwd, cwd), file: null };
  }
  return { config: finish(validate(readYaml(file, env), file), env, dirname(file), cwd), file };
}

/** Parses and validates a document given as text; for tests and `elava config check`. */
export function parseConfig(text: string, file = 'elava.yaml', env: NodeJS.ProcessEnv = process.env): ElavaConfig {
  const dir = dirname(resolve(file));
  return finish(validate(parseYaml(text, file, env), file), env, dir, process.cwd());
}

function readYaml(file: string, env: NodeJS.ProcessEnv): unknown {
  if (!existsSync(file)) throw new ConfigError(file, [{ path: '', message: 'file not found' }]);
  if (statSync(file).isDirectory()) {
    throw new ConfigError(file, [{ path: '', message: 'is a directory; expected a YAML file' }]);
  }
  return parseYaml(readFileSync(file, 'utf8'), file, env);
}

function parseYaml(text: string, file: string, env: NodeJS.ProcessEnv): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({
        path: '',
        message: `YAML syntax at line ${e.linePos?.[0]?.line ?? '?'}, column ${e.linePos?.[0]?.col ?? '?'}: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  const data = doc.toJS() as unknown;
  if (data === null || data === undefined) {
    throw new ConfigError(file, [{ path: '', message: 'file is empty; expected at least version: "2.0"' }]);
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(file, [{ path: '', message: 'expected a mapping of sections at the top level' }]);
  }
  return expandEnv(data, env, file);
}

function validate(data: unknown, file: string): ElavaConfig {
  const result = configSchema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  throw new ConfigError(file, result.error.issues.flatMap(describeIssue));
}

/** Environment wins over the file for where things are, so one file serves every machine. */
function finish(c: ElavaConfig, env: NodeJS.ProcessEnv, baseDir: string, cwd: string): ElavaConfig {
  const dataDir = env.ELAVA_DATA_DIR ? resolve(cwd, env.ELAVA_DATA_DIR) : absolute(baseDir, c.storage.dir);
  return {
    ...c,
    regions: c.regions.length > 0 ? c.regions : [env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1'],
    aws: { ...c.aws, endpoint: env.AWS_ENDPOINT_URL ?? c.aws.endpoint },
    storage: { ...c.storage, dir: dataDir },
    redis: {
      url: env.REDIS_URL ?? c.redis.url,
      // ELAVA_QUEUE_PREFIX is the older name, kept working (tests give each run its own).
      prefix: prefixFrom(env) ?? c.redis.prefix,
    },
    nats: { ...c.nats, url: env.NATS_URL ?? c.nats.url },
    api: {
      ...c.api,
      host: env.ELAVA_API_HOST ?? c.api.host,
      port: env.ELAVA_API_PORT ? portFrom(env.ELAVA_API_PORT) : c.api.port,
      auth_token: env.ELAVA_API_TOKEN ? tokenFrom(env.ELAVA_API_TOKEN) : c.api.auth_token,
    },
    policies: {
      ...c.policies,
      path: absolute(baseDir, c.policies.path),
      expected: c.policies.expected ? absolute(baseDir, c.policies.expected) : undefined,
    },
  };
}

function portFrom(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ConfigError('environment', [
      { path: 'ELAVA_API_PORT', message: `expected a port number 0-65535, found ${JSON.stringify(v)}` },
    ]);
  return n;
}

function tokenFrom(v: string): string {
  if (v.length < 16)
    throw new ConfigError('environment', [
      { path: 'ELAVA_API_TOKEN', message: `expected at least 16 characters, found ${v.length}` },
    ]);
  return v;
}

function prefixFrom(env: NodeJS.ProcessEnv): string | undefined {
  const name = env.ELAVA_REDIS_PREFIX !== undefined ? 'ELAVA_REDIS_PREFIX' : 'ELAVA_QUEUE_PREFIX';
  const v = env[name];
  if (v === undefined) return undefined;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(v))
    throw new ConfigError('environment', [
      {
        path: name,
        message: `expected letters, digits, "_", "." or "-" (at most 64; no ":"), found ${JSON.stringify(v)}`,
      },
    ]);
  return v;
}

function absolute(base: string, p: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}

type Issue = z.core.$ZodIssue;

function keyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

const found = describeValue;

function describeIssue(issue: Issue): ConfigProblem[] {
  const path = keyPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => ({ path: path === '' ? k : `${path}.${k}`, message: 'unknown key' }));
    case 'invalid_type':
      return [{ path, message: `expected ${issue.expected}, found ${found(issue.input)}` }];
    case 'invalid_value':
      if (issue.message && !issue.message.startsWith('Invalid')) {
        return [{ path, message: `${issue.message}, found ${found(issue.input)}` }];
      }
      return [
        {
          path,
          message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, found ${found(issue.input)}`,
        },
      ];
    case 'invalid_union': {
      const inner = issue.errors.flat().flatMap(describeIssue);
      const messages = [...new Set(inner.map((p) => p.message))];
      return [{ path, message: messages.join(' or ') || 'matches none of the accepted forms' }];
    }
    case 'custom':
      return [{ path, message: issue.message }];
    default:
      return [{ path, message: `${issue.message}${'input' in issue ? `, found ${found(issue.input)}` : ''}` }];
  }
}
