import { connectNats, createQueue, createRedis, QUEUES } from '@elava/bus';
import { loadConfig } from '@elava/config';
import { QueryClient } from '@elava/query';
import {
  GLOBAL_REGION,
  isGlobalType,
  isResourceType,
  parseScopeKey,
  RESOURCE_TYPES,
  type ResourceType,
  type ScanJob,
  scopeKey,
} from '@elava/types';
import type { Command } from 'commander';
import { CliError, EXIT, type Io } from '../io.js';

interface ScanOptions {
  once?: boolean;
  region?: string[];
  type?: string[];
  json?: boolean;
  timeout: string;
}

interface Summary {
  scope: string;
  status: 'complete' | 'failed';
  resources: number;
  ms: number;
  calls: number;
  throttles: number;
  error?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerScan(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('scan')
    .description('scan now through the running scanners and wait for every scope, printing a summary')
    .option('--once', 'one scan of each scope, then exit (the scheduler runs the continuous ones)')
    .option('--region <region>', 'only this region (repeatable)', collect)
    .option('--type <type>', `only this type (repeatable): ${RESOURCE_TYPES.join(', ')}`, collect)
    .option('--timeout <seconds>', 'give up waiting after this long', '600')
    .option('--json', 'machine-readable summary')
    .addHelpText(
      'after',
      '\nExamples:\n  elava scan --once\n  elava scan --once --region eu-west-1 --type ec2.security_group --type s3.bucket',
    )
    .action(async (o: ScanOptions) => {
      if (!o.once)
        throw new CliError(
          "say --once: `elava scan` runs one scan of each scope (continuous scans are the scheduler's job)",
        );
      const types = (o.type ?? [...RESOURCE_TYPES]) as string[];
      for (const t of types)
        if (!isResourceType(t))
          throw new CliError(`unknown type ${JSON.stringify(t)}; known: ${RESOURCE_TYPES.join(', ')}`);
      const timeoutMs = Number(o.timeout) * 1000;
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
        throw new CliError(`--timeout takes seconds, not ${JSON.stringify(o.timeout)}`);
      const { config } = loadConfig({ path: program.opts().config, env: io.env, cwd: io.cwd });
      const regions = o.region ?? config.regions;
      for (const r of regions)
        if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(r)) throw new CliError(`${JSON.stringify(r)} is not an AWS region name`);
      const json = o.json || program.opts().json;

      // The configured accounts, the organization's (accounts: organization), or the credentials' own.
      const region = regions[0] ?? 'us-east-1';
      // The AWS SDK takes most of a second to load: only the command that reads AWS pays for it.
      const { AccountList, Organization } = await import('@elava/aws');
      const accounts = (
        await new AccountList({
          accounts: config.accounts,
          organization: config.organization
            ? new Organization(config.organization, { region, endpoint: config.aws.endpoint })
            : undefined,
          region,
          endpoint: config.aws.endpoint,
        })
          .current()
          .catch((err: Error) => {
            throw new CliError(
              `cannot tell which AWS accounts to scan: ${err.message} (configure accounts[] or accounts: organization, or credentials AWS_PROFILE / AWS_ACCESS_KEY_ID)`,
            );
          })
      ).accounts.map((a) => a.id);
      const redis = createRedis(config.redis.url, 'worker', 'elava-cli');
      redis.on('error', () => {});
      try {
        await Promise.race([
          redis.ping(),
          new Promise((_, reject) =>
            setTimeout(
              () => reject(new CliError(`cannot reach Redis at ${config.redis.url}: is \`npm start\` running?`)),
              3000,
            ),
          ),
        ]);
        const started = new Date(Date.now() - 1_000).toISOString();
        const deadline = Date.now() + timeoutMs;
        const { summaries, scanIds } = await scanOnce(
          redis,
          config.redis.prefix,
          accounts,
          regions,
          types as ResourceType[],
          timeoutMs,
          io,
          json,
        );
        // Scanned is not yet recorded: the command's promise is that the store holds every scope.
        await waitRecorded(config.nats.url, config.api.timeout, scanIds, started, deadline, io, json);
        const failed = summaries.filter((s) => s.status === 'failed');
        io.out(json ? JSON.stringify({ scopes: summaries }, null, 2) : table(summaries));
        if (failed.length > 0) setExit(EXIT.finding);
      } finally {
        redis.disconnect();
      }
    });
}

async function scanOnce(
  redis: ReturnType<typeof createRedis>,
  prefix: string,
  accounts: string[],
  regions: string[],
  types: ResourceType[],
  timeoutMs: number,
  io: Io,
  quiet: boolean,
): Promise<{ summaries: Summary[]; scanIds: string[] }> {
  const queue = createQueue<ScanJob>(QUEUES.scan, { connection: redis, prefix });
  const eventsConnection = redis.duplicate();
  // A Redis that goes away for a moment is retried by ioredis; only the timeout ends the wait.
  eventsConnection.on('error', () => {});
  const { QueueEvents } = await import('bullmq');
  const events = new QueueEvents(QUEUES.scan, { connection: eventsConnection, prefix });
  events.on('error', () => {});
  queue.on('error', () => {});
  const run = `cli-${Date.now().toString(36)}`;
  const pending = new Map<string, string>();
  const done: Summary[] = [];
  try {
    await events.waitUntilReady();
    const finished = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new CliError(
              `${pending.size} scope(s) not scanned after ${timeoutMs / 1000}s; are scanners running (npm start)?`,
            ),
          ),
        timeoutMs,
      );
      const settle = (jobId: string, s: Summary) => {
        if (!pending.has(jobId)) return;
        pending.delete(jobId);
        done.push(s);
        if (!quiet)
          io.err(
            `${s.status === 'complete' ? '✓' : '✗'} ${s.scope.padEnd(48)} ${String(s.resources).padStart(6)} resources ${(s.ms / 1000).toFixed(1)}s${s.error ? `  ${s.error}` : ''}  [${done.length}/${done.length + pending.size}]`,
          );
        if (pending.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      events.on('completed', ({ jobId, returnvalue }) => {
        const rv = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as Summary;
        settle(jobId, rv);
      });
      events.on('failed', ({ jobId, failedReason }) => {
        settle(jobId, {
          scope: pending.get(jobId) ?? jobId,
          status: 'failed',
          resources: 0,
          ms: 0,
          calls: 0,
          throttles: 0,
          error: failedReason,
        });
      });
    });
    let n = 0;
    for (const account of accounts) {
      for (const type of types) {
        // A global type (IAM, CloudFront, Route 53) is read once per account, whatever the regions.
        for (const region of isGlobalType(type) ? [GLOBAL_REGION] : regions) {
          const scope = { account, region, type };
          const scan_id = `${run}-${n++}`;
          await queue.add('scan', { scan_id, scope, requested_by: 'cli' }, { jobId: scan_id, attempts: 1 });
          pending.set(scan_id, scopeKey(scope));
        }
      }
    }
    if (!quiet) io.err(`scanning ${pending.size} scope(s) …`);
    const scanIds = [...pending.keys()];
    await finished;
    return { summaries: done.sort((a, b) => (a.scope < b.scope ? -1 : 1)), scanIds };
  } finally {
    await events.close();
    await queue.close();
    eventsConnection.disconnect();
  }
}

/** A summary names its scope by key; one that failed before it began may name only its job. */
function safeScopeType(scope: string): string {
  try {
    return parseScopeKey(scope).type;
  } catch {
    return '?';
  }
}

function table(rows: Summary[]): string {
  const byType = new Map<
    string,
    { scopes: number; failed: number; resources: number; ms: number; calls: number; throttles: number }
  >();
  for (const r of rows) {
    const type = safeScopeType(r.scope);
    const t = byType.get(type) ?? { scopes: 0, failed: 0, resources: 0, ms: 0, calls: 0, throttles: 0 };
    t.scopes++;
    if (r.status === 'failed') t.failed++;
    t.resources += r.resources;
    t.ms = Math.max(t.ms, r.ms);
    t.calls += r.calls;
    t.throttles += r.throttles;
    byType.set(type, t);
  }
  const lines = ['TYPE                    SCOPES  FAILED  RESOURCES  API CALLS  THROTTLES  SLOWEST'];
  for (const [type, t] of [...byType].sort()) {
    lines.push(
      `${type.padEnd(22)}  ${String(t.scopes).padStart(6)}  ${String(t.failed).padStart(6)}  ${String(t.resources).padStart(9)}  ${String(t.calls).padStart(9)}  ${String(t.throttles).padStart(9)}  ${(t.ms / 1000).toFixed(1).padStart(6)}s`,
    );
  }
  const total = rows.reduce((s, r) => s + r.resources, 0);
  lines.push(`${rows.length} scopes, ${total} resources, ${rows.filter((r) => r.status === 'failed').length} failed`);
  return lines.join('\n');
}

/** Waits until the recorder's trail holds the end (completed or failed) of every scan. */
async function waitRecorded(
  natsUrl: string,
  askTimeoutMs: number,
  scanIds: string[],
  since: string,
  deadline: number,
  io: Io,
  quiet: boolean,
): Promise<void> {
  let nc: Awaited<ReturnType<typeof connectNats>>;
  try {
    nc = await connectNats(natsUrl, 'elava-cli');
  } catch (err) {
    throw new CliError(`cannot reach NATS at ${natsUrl} (${(err as Error).message}) to see the scans recorded`);
  }
  const client = new QueryClient(nc, askTimeoutMs);
  const missing = new Set(scanIds);
  let problem = '';
  try {
    if (!quiet && io.tty) io.err('waiting for the recorder …');
    while (missing.size > 0) {
      try {
        let cursor: string | undefined;
        do {
          const page = await client.get<{ items: { data: { scan_id?: string } }[]; next_cursor: string | null }>(
            'audit',
            {
              type: 'scan_completed,scan_failed',
              since,
              limit: '1000',
              ...(cursor ? { cursor } : {}),
            },
          );
          for (const e of page.items) if (e.data.scan_id) missing.delete(e.data.scan_id);
          cursor = page.next_cursor ?? undefined;
        } while (cursor);
        problem = '';
      } catch (err) {
        problem = ` (${(err as Error).message})`;
      }
      if (missing.size === 0) break;
      if (Date.now() > deadline)
        throw new CliError(
          `${missing.size} scope(s) scanned but not recorded in time${problem}; is the recorder running?`,
        );
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await nc.close();
  }
}
