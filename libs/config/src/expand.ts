import { ConfigError } from './errors.js';

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string value of a parsed document. Done after
 * YAML parsing so a value from the environment is never re-read as YAML structure.
 */
export function expandEnv(
  node: unknown,
  env: NodeJS.ProcessEnv,
  file: string,
  path: (string | number)[] = [],
): unknown {
  if (typeof node === 'string') {
    return node.replace(VAR, (_all, name: string, fallback: string | undefined) => {
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(file, [
        {
          path: path.join('.'),
          message: `environment variable ${name} is not set (write \${${name}:-default} to give a default)`,
        },
      ]);
    });
  }
  if (Array.isArray(node)) return node.map((v, i) => expandEnv(v, env, file, [...path, i]));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = expandEnv(v, env, file, [...path, k]);
    return out;
  }
  return node;
}
