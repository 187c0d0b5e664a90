import {
  type AccountDirectoryStatus,
  createRedis,
  type Heartbeat,
  QUEUES,
  readAccountDirectory,
  readHeartbeats,
  readUnreachableAccounts,
  type UnreachableAccount,
} from '@elava/bus';
import type { StoreStatus } from '@elava/types';
import { Queue } from 'bullmq';
import type { Command } from 'commander';
import { age, bytes, paint, table } from '../format.js';
import { CliError, EXIT, type Io } from '../io.js';
import { withCluster } from '../remote.js';

/** The services Elava runs; one missing from the heartbeats is reported as down. */
const EXPECTED = ['scanner', 'scheduler', 'recorder', 'detector', 'policy', 'notifier', 'executor', 'api'];

export function registerStatus(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('status')
    .description(
      'each service (from its heartbeat), queue depths, the last complete scan of every scope and its age, store size and revision; exit 1 when something is down',
    )
    .option('--json', 'everything as one JSON object')
    .addHelpText('after', '\nExample:\n  elava status')
    .action((o: { json?: boolean }) =>
      withCluster(program, io, async (c) => {
        const redis = createRedis(c.config.redis.url, 'producer', 'elava-cli');
        let services: Heartbeat[];
        let directory: AccountDirectoryStatus | null;
        let unreachable: UnreachableAccount[];
        const queues: Record<string, Record<string, number>> = {};
        try {
          await redis.ping().catch((err: Error) => {
            throw new CliError(`cannot reach Redis at ${c.config.redis.url} (${err.message})`);
          });
          services = await readHeartbeats(redis, c.config.redis.prefix);
          directory = await readAccountDirectory(redis, c.config.redis.prefix);
          unreachable = await readUnreachableAccounts(redis, c.config.redis.prefix);
          for (const name of Object.values(QUEUES)) {
            const q = new Queue(name, { connection: redis, prefix: c.config.redis.prefix });
            queues[name] = await q.getJobCounts('waiting', 'active', 'delayed', 'failed');
            await q.close();
          }
        } finally {
          redis.disconnect();
        }
        let store: StoreStatus | { error: string };
        try {
          store = await c.get<StoreStatus>('status');
        } catch (err) {
          store = { error: (err as Error).message };
        }
        const seen = new Set(services.map((s) => s.service));
        const down = [
          ...EXPECTED.filter((s) => !seen.has(s)),
          ...services.filter((s) => !s.ready).map((s) => `${s.instance} (not ready)`),
        ];
        // An account whose role cannot be assumed has every scope failing: a finding, like a service down.
        const healthy = down.length === 0 && !('error' in store) && unreachable.length === 0;
        setExit(healthy ? EXIT.ok : EXIT.finding);
        if (o.json || program.opts().json)
          return io.out(
            JSON.stringify({ healthy, down, services, queues, accounts: { directory, unreachable }, store }),
          );

        io.out(paint(io, 'bold', 'services'));
        io.out(
          table(
            io,
            ['SERVICE', 'INSTANCE', 'READY', 'PORT', 'UP SINCE', 'SEEN'],
            services.map((s) => [
              s.service,
              s.instance,
              s.ready ? paint(io, 'green', 'yes') : paint(io, 'red', 'no'),
              String(s.port ?? '-'),
              age(s.started_at),
              age(s.seen_at),
            ]),
          ),
        );
        for (const s of EXPECTED.filter((x) => !seen.has(x)))
          io.out(`${paint(io, 'red', s)}  no heartbeat: not running`);
        io.out(`\n${paint(io, 'bold', 'queues')}`);
        io.out(
          table(
            io,
            ['QUEUE', 'WAITING', 'ACTIVE', 'DELAYED', 'FAILED'],
            Object.entries(queues).map(([n, q]) => [
              n,
              String(q.waiting ?? 0),
              String(q.active ?? 0),
              String(q.delayed ?? 0),
              String(q.failed ?? 0),
            ]),
          ),
        );
        io.out(`\n${paint(io, 'bold', 'accounts')}`);
        for (const line of accountLines(io, directory, unreachable)) io.out(line);
        io.out(`\n${paint(io, 'bold', 'store')}`);
        if ('error' in store) {
          io.out(paint(io, 'red', store.error));
          return;
        }
        const st = store.stats;
        io.out(
          `store ${store.store}: revision ${store.revision}${store.time ? ` (${age(store.time)})` : ''}, ${st.resources} resources, ${st.versions} versions, ${st.audit_entries} audit entries, ${bytes(st.bytes)} in ${st.segments} segments${st.compacted_at > 0 ? `; history from revision ${st.compacted_at} (compacted)` : ''}`,
        );
        io.out(
          table(
            io,
            ['SCOPE', 'LAST COMPLETE SCAN', 'AGE', 'RESOURCES', 'LAST SCAN'],
            store.scopes.map((s) => [
              s.key,
              s.last_complete ? `revision ${s.last_complete.revision}` : paint(io, 'yellow', 'never'),
              age(s.last_complete?.time),
              String(s.last_complete?.observed ?? '-'),
              s.last_scan.complete ? 'complete' : paint(io, 'yellow', 'incomplete'),
            ]),
          ),
        );
      }),
    );
}

/** Where the account list comes from, how fresh it is, and every account a scanner cannot read. */
function accountLines(io: Io, d: AccountDirectoryStatus | null, unreachable: UnreachableAccount[]): string[] {
  const out: string[] = [];
  if (!d) out.push(paint(io, 'yellow', 'no account list yet (the scheduler writes it)'));
  else {
    const from =
      d.source === 'organization'
        ? `from the organization, read ${age(d.refreshed_at)}`
        : d.source === 'configured'
          ? 'configured (accounts[])'
          : "the credentials' own";
    const skipped = d.skipped
      ? [
          d.skipped.inactive ? `${d.skipped.inactive} not active` : '',
          d.skipped.excluded ? `${d.skipped.excluded} excluded` : '',
          d.skipped.outside_ous ? `${d.skipped.outside_ous} outside include_ous` : '',
        ].filter(Boolean)
      : [];
    out.push(`${d.accounts.length} accounts, ${from}${skipped.length > 0 ? ` (${skipped.join(', ')})` : ''}`);
    if (d.stale) out.push(paint(io, 'yellow', `the list is stale since ${age(d.stale.since)}: ${d.stale.error}`));
  }
  if (unreachable.length > 0) {
    out.push(
      paint(io, 'red', `${unreachable.length} unreachable: their scopes fail (nothing in them is taken as gone)`),
    );
    out.push(
      table(
        io,
        ['ACCOUNT', 'SINCE', 'SEEN', 'BY', 'ERROR'],
        unreachable.map((u) => [u.account, age(u.since), age(u.seen_at), u.by, u.error]),
      ),
    );
  }
  return out;
}
