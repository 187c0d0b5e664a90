import { QUERIES, type QueryName } from '@elava/query';
import { CliError } from './io.js';

/**
 * Checks a verb's arguments with the schemas the query API checks them with (libs/query
 * params.ts: times through the store's parseSelector, ids, types, tags), before anything is
 * loaded or connected: a bad `--at` is named as such even when no recorder runs. `label` names
 * the argument each parameter came from (default `--<param>`); `--limit` is the CLI's own (a
 * total over pages, see `limitOf`) and is not passed here.
 */
/** How every time option's help says what it takes (the store's parseSelector reads it). */
export const WHEN = 'a revision number, an RFC 3339 time, an age such as 30m, 24h, 7d, or now';

export function checkArgs(
  name: QueryName,
  params: Record<string, string | undefined>,
  label: Record<string, string> = {},
): void {
  const given = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const r = QUERIES[name].safeParse(given);
  if (r.success) return;
  const problems = r.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const arg = label[key] ?? `--${key}`;
    const value = given[key];
    const shown =
      value === undefined || issue.message.includes(JSON.stringify(value)) ? '' : ` ${JSON.stringify(value)}`;
    return `${arg}${shown}: ${issue.message}`;
  });
  throw new CliError([...new Set(problems)].join('; '));
}

/** `--limit`: how many items at most, over as many pages as it takes. */
export function limitOf(text: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < 1)
    throw new CliError(`--limit ${JSON.stringify(text)}: expected a whole number above 0`);
  return n;
}
