import type { FieldDiff } from '@elava/types';
import type { Command } from 'commander';
import { checkArgs, limitOf, WHEN } from '../args.js';
import { diffLine, native, paint } from '../format.js';
import { CliError, type Io } from '../io.js';
import { allPages, withCluster } from '../remote.js';

/** Changed fields shown per resource at a terminal; --json has them all. */
const MAX_PATHS = 20;

interface DiffItem {
  id: string;
  type: string;
  kind: 'added' | 'removed' | 'modified';
  revision: number;
  diff: FieldDiff[];
  before?: { name?: string };
  after?: { name?: string };
}

const MARK = { added: ['+', 'green'], removed: ['-', 'red'], modified: ['~', 'yellow'] } as const;

/** `elava diff`: the estate at two instants compared, resource by resource, like `git diff A B`. */
export function registerDiff(program: Command, io: Io): void {
  program
    .command('diff')
    .description('what differs between the estate at two instants: resources added, removed and modified')
    .requiredOption('--from <when>', `the earlier instant: ${WHEN}`)
    .option('--to <when>', `the later instant: ${WHEN}`, 'now')
    .option('--type <type>', 'only this resource type, e.g. ec2.security_group')
    .option('--region <region>', 'only this region')
    .option('--account <id>', 'only this account')
    .option('--tag <k=v>', 'only resources with this tag at either instant (repeat: all of them)', collect, [])
    .option('--limit <n>', 'at most this many resources', '10000')
    .option('--json', '{from_revision, to_revision, items: [{id, type, kind, diff, before?, after?}]}')
    .addHelpText(
      'after',
      '\nExamples:\n  elava diff --from 1h\n  elava diff --from 2026-11-22T10:00:00Z --to 2026-11-22T11:00:00Z --type ec2.security_group\n  elava diff --from 120 --to 140 --tag environment=production --json',
    )
    .action(async (o) => {
      const tags = o.tag as string[];
      const params = { from: o.from, to: o.to, type: o.type, region: o.region, account: o.account };
      checkAll(params, tags);
      const max = limitOf(o.limit);
      await withCluster(program, io, async (c) => {
        const { items, first, truncated } = await allPages<DiffItem>(
          c,
          io,
          'diff',
          { ...params, ...(tags.length ? { tag: tags } : {}) },
          max,
        );
        if (o.json || program.opts().json) {
          const { next_cursor: _n, items: _i, ...head } = first;
          return io.out(JSON.stringify({ ...head, items, ...(truncated ? { truncated } : {}) }));
        }
        for (const line of render(io, first, items, truncated)) io.out(line);
      });
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Every bad argument named at once, before anything is loaded or connected. */
function checkAll(params: Record<string, string | undefined>, tags: string[]): void {
  const problems: string[] = [];
  const checks = [() => checkArgs('diff', params), ...tags.map((tag) => () => checkArgs('resources', { tag }))];
  for (const check of checks) {
    try {
      check();
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      problems.push(err.message);
    }
  }
  if (tags.length > 20) problems.push(`--tag: expected at most 20, found ${tags.length}`);
  if (problems.length > 0) throw new CliError(problems.join('; '));
}

/** A heading with both instants and the counts, then the resources grouped by type. */
function render(io: Io, head: Record<string, unknown>, items: DiffItem[], truncated: boolean): string[] {
  const at = (rev: unknown, time: unknown) => `revision ${rev}${time ? ` (${time})` : ''}`;
  const count = (k: DiffItem['kind']) => items.filter((i) => i.kind === k).length;
  const span = `${at(head.from_revision, head.from_time)} → ${at(head.to_revision, head.to_time)}`;
  if (items.length === 0) return [paint(io, 'dim', `no differences between ${span}`)];
  const lines = [
    paint(
      io,
      'dim',
      `${span}: ${count('added')} added, ${count('removed')} removed, ${count('modified')} modified${truncated ? ' (more: raise --limit)' : ''}`,
    ),
  ];
  let type = '';
  for (const item of items) {
    if (item.type !== type) {
      type = item.type;
      lines.push('', paint(io, 'bold', type));
    }
    const [mark, colour] = MARK[item.kind];
    const name = (item.after ?? item.before)?.name;
    lines.push(`  ${paint(io, colour, `${mark} ${native(item.id)}`)}${name ? `  ${name}` : ''}`);
    for (const d of item.diff.slice(0, MAX_PATHS)) lines.push(`      ${diffLine(d)}`);
    if (item.diff.length > MAX_PATHS)
      lines.push(paint(io, 'dim', `      … ${item.diff.length - MAX_PATHS} more fields (--json shows all)`));
  }
  return lines;
}
