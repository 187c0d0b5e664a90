import { DeliverPolicy, ensureStreams, jetstream } from '@elava/bus';
import {
  type Actor,
  type AnyResource,
  type AuditEntry,
  actorLabel,
  type ChangeSummary,
  type Decision,
} from '@elava/types';
import type { Command } from 'commander';
import { checkArgs, limitOf, WHEN } from '../args.js';
import { diffLine, native, paint, severity, shortReason, table } from '../format.js';
import { EXIT, type Io } from '../io.js';
import { allPages, withCluster } from '../remote.js';

const json = (program: Command, o: { json?: boolean }) => Boolean(o.json || program.opts().json);

/** resources, history, changes, decisions, audit: the recorder's read side, for people and scripts. */
export function registerListings(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('resources')
    .description('the estate as it was at a moment (now by default)')
    .option('--at <when>', `the moment: ${WHEN}`)
    .option('--type <type>', 'only this resource type, e.g. ec2.instance')
    .option('--region <region>', 'only this region')
    .option('--account <id>', 'only this account')
    .option('--tag <k=v>', 'only resources with this tag (k=v, or k for any value)')
    .option('--limit <n>', 'at most this many', '10000')
    .option('--json', 'a JSON array of the resources')
    .addHelpText(
      'after',
      '\nExamples:\n  elava resources --type ec2.instance\n  elava resources --at 5m --tag environment=production\n  elava resources --at 42 --json | jq length',
    )
    .action(async (o) => {
      const params = { at: o.at, type: o.type, region: o.region, account: o.account, tag: o.tag };
      checkArgs('resources', params);
      const max = limitOf(o.limit);
      await withCluster(program, io, async (c) => {
        const { items, first, truncated } = await allPages<{ id: string; resource?: AnyResource }>(
          c,
          io,
          'resources',
          params,
          max,
        );
        if (json(program, o)) return io.out(JSON.stringify(items.map((i) => i.resource ?? { id: i.id })));
        const rows = items.map((i) => {
          const r = i.resource;
          const tags = Object.entries(r?.tags ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(' ');
          return [native(i.id), r?.type ?? '', r?.region ?? '', r?.name ?? '', tags];
        });
        io.out(
          paint(
            io,
            'dim',
            `as of revision ${first.revision}${first.time ? ` (${first.time})` : ''}: ${items.length} resources${truncated ? ' (more: raise --limit)' : ''}`,
          ),
        );
        if (rows.length) io.out(table(io, ['ID', 'TYPE', 'REGION', 'NAME', 'TAGS'], rows));
      });
    });

  program
    .command('history')
    .argument('<resource-id>', 'canonical id, aws:<account>:<region>:<type>:<native-id>')
    .description('every recorded version of one resource, with field-level diffs')
    .option('--json', 'the versions as JSON')
    .addHelpText('after', '\nExample:\n  elava history aws:123456789012:us-east-1:ec2.instance:i-0abc123')
    .action(async (id: string, o) => {
      checkArgs('history', { id }, { id: '<resource-id>' });
      await withCluster(program, io, async (c) => {
        const { items } = await allPages<{
          revision: { main: number };
          time?: string;
          tombstone?: boolean;
          diff: { path: string; before?: unknown; after?: unknown }[];
          actor?: Actor;
        }>(c, io, 'history', { id }, 100_000);
        if (json(program, o)) return io.out(JSON.stringify(items));
        for (const [i, v] of items.entries()) {
          const what = v.tombstone
            ? paint(io, 'red', 'disappeared')
            : i === 0
              ? paint(io, 'green', 'appeared')
              : 'changed';
          const by = v.actor ? `  by ${actorLabel(v.actor)}` : '';
          io.out(`${paint(io, 'bold', `revision ${v.revision.main}`)}  ${v.time ?? ''}  ${what}${by}`);
          for (const d of v.diff) io.out(`    ${diffLine(d)}`);
        }
      });
    });

  program
    .command('changes')
    .description('what changed in a window, with diffs')
    .option('--since <when>', `the window's start: ${WHEN}`, '24h')
    .option('--type <type>', 'a change type (tag_drift, disappeared, …) or a resource type (ec2.instance)')
    .option('--resource <id>', 'only this resource')
    .option(
      '--by <principal>',
      'only changes made by this principal (ARN, user, role or session name, source identity)',
    )
    .option('--limit <n>', 'at most this many', '10000')
    .option('--json', 'the changes as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  elava changes --since 1h\n  elava changes --since 7d --type tag_drift\n  elava changes --since 24h --by alice@example.com',
    )
    .action(async (o) => {
      const params = { since: o.since, type: o.type, resource: o.resource, by: o.by };
      checkArgs('changes', params);
      const max = limitOf(o.limit);
      await withCluster(program, io, async (c) => {
        const { items } = await allPages<ChangeSummary>(c, io, 'changes', params, max);
        if (json(program, o)) return io.out(JSON.stringify(items));
        if (items.length === 0) return io.out(paint(io, 'dim', `no changes since ${o.since}`));
        io.out(
          table(
            io,
            ['TIME', 'REV', 'CHANGE', 'RESOURCE', 'BY', 'DIFF'],
            items.map((ch) => [
              ch.time,
              String(ch.revision),
              ch.type,
              native(ch.resource_id),
              ch.actor ? actorLabel(ch.actor) : '-',
              ch.diff.slice(0, 3).map(diffLine).join('; ') + (ch.diff.length > 3 ? ` (+${ch.diff.length - 3})` : ''),
            ]),
          ),
        );
      });
    });

  program
    .command('decisions')
    .description('decisions made (and, with --follow, as they are made)')
    .option('--since <when>', `the window's start: ${WHEN}`, '24h')
    .option('--action <action>', 'only this action (notify, alert, protect, enforce_policy, auto_tag, audit)')
    .option('--severity <severity>', 'only this severity (critical, warning, info)')
    .option('--follow', 'then keep printing new decisions until Ctrl-C')
    .option('--limit <n>', 'at most this many', '10000')
    .option('--json', 'one JSON decision per line')
    .addHelpText('after', '\nExamples:\n  elava decisions --since 1h --severity critical\n  elava decisions --follow')
    .action(async (o) => {
      const params = { since: o.since, action: o.action, severity: o.severity };
      checkArgs('decisions', params);
      const max = limitOf(o.limit);
      await withCluster(program, io, async (c) => {
        const asJson = json(program, o);
        const print = (d: Decision) =>
          io.out(
            asJson
              ? JSON.stringify(d)
              : `${d.time}  ${severity(io, d.severity.padEnd(8))}  ${d.action.padEnd(14)}  ${native(d.resource.id)}  ${shortReason(d)}  ${paint(io, 'dim', d.id)}`,
          );
        const { items } = await allPages<Decision>(c, io, 'decisions', params, max);
        for (const d of items) print(d);
        if (!o.follow) return;
        await ensureStreams(c.nc);
        // An ordered consumer: nothing to clean up on the server; nats-server 2.9 takes one filter subject.
        const consumer = await jetstream(c.nc).consumers.get('ELAVA_DECISIONS', {
          filter_subjects: 'elava.decisions.>',
          deliver_policy: DeliverPolicy.New,
        });
        const messages = await consumer.consume();
        const stop = () => void messages.close();
        process.once('SIGINT', stop);
        for await (const m of messages) {
          const d = m.json<Decision>();
          if ((!o.action || d.action === o.action) && (!o.severity || d.severity === o.severity)) print(d);
        }
      });
    });

  program
    .command('audit')
    .description('the hash-chained audit trail; --verify checks every link (exit 1 when broken)')
    .option('--resource <id>', 'only entries about this resource')
    .option('--type <types>', 'only these entry types, comma-separated (decided,executed,…)')
    .option('--since <when>', `from: ${WHEN}`)
    .option('--verify', 're-read the whole trail and check every hash')
    .option('--limit <n>', 'at most this many', '10000')
    .option('--json', 'the entries as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  elava audit --resource aws:123456789012:us-east-1:s3.bucket:logs\n  elava audit --verify',
    )
    .action(async (o) => {
      const params = { resource: o.resource, type: o.type, since: o.since };
      checkArgs('audit', params);
      const max = limitOf(o.limit);
      await withCluster(program, io, async (c) => {
        if (o.verify) {
          const v = await c.get<{ ok: boolean; entries: number; seq?: number; reason?: string; lastHash?: string }>(
            'verify',
          );
          if (json(program, o)) io.out(JSON.stringify(v));
          else if (v.ok)
            io.out(
              `${paint(io, 'green', 'verified')}: ${v.entries} entries, every hash links to the one before${v.lastHash ? ` (last ${v.lastHash.slice(0, 16)}…)` : ''}`,
            );
          else io.out(`${paint(io, 'red', 'BROKEN')} at entry ${v.seq}: ${v.reason}`);
          setExit(v.ok ? EXIT.ok : EXIT.finding);
          return;
        }
        const { items } = await allPages<AuditEntry>(c, io, 'audit', params, max);
        if (json(program, o)) return io.out(JSON.stringify(items));
        io.out(
          table(
            io,
            ['SEQ', 'TIME', 'TYPE', 'RESOURCE', 'DATA'],
            items.map((e) => [
              String(e.seq),
              e.time,
              e.type,
              e.resource_id ? native(e.resource_id) : '-',
              JSON.stringify(e.data),
            ]),
          ),
        );
      });
    });
}
