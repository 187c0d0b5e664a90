import { existsSync, realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { loadConfig } from '@elava/config';
import { parseSelector } from '@elava/store';
import { CHANGE_TYPES, type ChangeType, isResourceType, type ResourceType } from '@elava/types';
import type { Command } from 'commander';
import { existingDataDir } from '../data-dir.js';
import { CliError, EXIT, type Io } from '../io.js';
import { compileLibraries } from './backtest-library.js';
import { replay, revisionAt } from './backtest-replay.js';
import { type BacktestRun, reportJson, reportText } from './backtest-report.js';
import { openSnapshot } from './backtest-snapshot.js';
import { BacktestTally } from './backtest-tally.js';

export interface BacktestOptions {
  /** The store directory (a snapshot of it is read; the recorder may keep running). */
  dataDir: string;
  /** The library tried: a directory of packages (Rego sources). */
  sources: string;
  /** policies.path: its dist/ is the library in service. */
  servicePath: string;
  since: string;
  until?: string;
  type?: ResourceType;
  track?: readonly ChangeType[];
  lookbackMs?: number;
  /** data.* for the policies (policyData). */
  data?: unknown;
  threads?: number;
  env?: NodeJS.ProcessEnv;
  onProgress?: (done: number, total: number) => void;
}

/** Compiles the library, snapshots the store, replays the window; the findings and the difference. */
export async function backtest(o: BacktestOptions): Promise<{ run: BacktestRun; tally: BacktestTally }> {
  const servicePath = existsSync(o.servicePath) ? realpathSync(o.servicePath) : resolve(o.servicePath);
  const libraries = compileLibraries(o.sources, servicePath, o.env ?? process.env);
  const cleanups: (() => Promise<void> | void)[] = [libraries.cleanup];
  try {
    const threads = o.threads ?? availableParallelism();
    const { PolicyPool } = await import('@elava/policy');
    const pool = await PolicyPool.start(libraries.candidate, o.data ?? {}, threads, libraries.baseline);
    cleanups.push(() => pool.close());
    const snapshot = await openSnapshot(o.dataDir);
    cleanups.push(snapshot.close);
    const { store } = snapshot;
    const sinceSel = parseSelector(o.since);
    const untilSel = o.until === undefined ? store.revision : parseSelector(o.until);
    const at = (sel: number | Date) =>
      typeof sel === 'number'
        ? Math.min(Math.max(sel, store.compactedAt), store.revision)
        : revisionAt(store, sel.getTime());
    const from = at(sinceSel);
    const to = Math.min(at(untilSel), store.revision);
    const compared = new Set([...libraries.packages].filter(([, s]) => s !== 'same').map(([p]) => p));
    const tally = new BacktestTally(libraries.noService ? new Set() : compared);
    for (const f of pool.failures) tally.failures.set(f.package, { error: f.error, count: 0 });
    const started = performance.now();
    const cpu = process.cpuUsage();
    await replay({
      store,
      from,
      to,
      ...(o.type ? { type: o.type } : {}),
      track: o.track ?? CHANGE_TYPES,
      lookbackMs: o.lookbackMs ?? 0,
      pool,
      tally,
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const iso = (sel: number | Date) => (sel instanceof Date ? sel.toISOString() : (store.timeOf(sel) ?? null));
    return {
      tally,
      run: {
        library: resolve(o.sources),
        service: `${servicePath}/dist`,
        packages: libraries.packages,
        ...(libraries.noService ? { noService: libraries.noService } : {}),
        window: {
          since: iso(sinceSel),
          until: o.until === undefined ? null : iso(untilSel),
          from_revision: from,
          to_revision: to,
        },
        ...(o.type ? { type: o.type } : {}),
        seconds,
        cpuSeconds: (used.user + used.system) / 1e6,
        threads,
      },
    };
  } finally {
    for (const c of cleanups.reverse()) await c();
  }
}

/** `elava policy backtest`: a library tried on the recorded past, next to the one in service. */
export function registerBacktest(policy: Command, program: Command, io: Io, setExit: (code: number) => void): void {
  policy
    .command('backtest')
    .description(
      'replay every version recorded in a window through a policy library (default: the working copy of policies.path) and compare its findings with the library in service',
    )
    .option('--policies <dir>', 'the library to try: a directory of packages (default: policies.path)')
    .option('--since <when>', 'start of the window: an age (90d), RFC 3339 time or revision', '90d')
    .option('--until <when>', 'end of the window (default: now)')
    .option('--type <type>', 'only this resource type, e.g. ec2.security_group')
    .option('--data-dir <dir>', 'the store directory (default: ELAVA_DATA_DIR or storage.dir); a copy is read')
    .option('--threads <n>', 'evaluation threads (default: one per core)')
    .option('--json', 'the report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  elava policy backtest --since 90d\n  elava policy backtest --policies ../policies-next --since 30d --type ec2.security_group --json',
    )
    .action(
      async (o: {
        policies?: string;
        since: string;
        until?: string;
        type?: string;
        dataDir?: string;
        threads?: string;
        json?: boolean;
      }) => {
        const json = o.json || program.opts().json;
        if (o.type && !isResourceType(o.type)) throw new CliError(`unknown resource type ${JSON.stringify(o.type)}`);
        const threads = o.threads === undefined ? undefined : Number(o.threads);
        if (threads !== undefined && !(Number.isInteger(threads) && threads > 0))
          throw new CliError(`--threads takes a positive whole number, not ${JSON.stringify(o.threads)}`);
        const { config } = loadConfig({ path: program.opts().config, env: io.env, cwd: io.cwd });
        let data: unknown;
        try {
          const { policyData } = await import('@elava/policy');
          data = policyData(config);
        } catch (err) {
          throw new CliError((err as Error).message);
        }
        const servicePath = resolve(io.cwd, config.policies.path);
        const bar = progressBar();
        const { run, tally } = await backtest({
          dataDir: existingDataDir(io, { ...program.opts(), ...o }),
          sources: o.policies ? resolve(io.cwd, o.policies) : servicePath,
          servicePath,
          since: o.since,
          ...(o.until ? { until: o.until } : {}),
          ...(o.type ? { type: o.type as ResourceType } : {}),
          track: config.change_detection.enabled ? config.change_detection.track : [],
          lookbackMs: config.change_detection.lookback_window,
          data,
          ...(threads ? { threads } : {}),
          env: io.env,
          ...(bar ? { onProgress: bar.update } : {}),
        }).finally(() => bar?.done());
        if (json) io.out(JSON.stringify(reportJson(run, tally), null, 2));
        else io.out(reportText(io, run, tally).join('\n'));
        if (tally.failures.size > 0) setExit(EXIT.finding);
      },
    );
}

/** A bar on stderr, only when stderr is a terminal (never in a pipe, a log or a test). */
function progressBar(): { update: (done: number, total: number) => void; done: () => void } | undefined {
  const err = process.stderr;
  if (!err.isTTY) return undefined;
  const started = Date.now();
  let drawn = 0;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - drawn < 100 && done < total) return;
      drawn = now;
      const share = total > 0 ? done / total : 1;
      const width = Math.max(10, Math.min(40, (err.columns ?? 80) - 40));
      const full = Math.round(share * width);
      const secs = (now - started) / 1000;
      const eta = share > 0 ? Math.round(secs / share - secs) : 0;
      err.write(
        `\r${'█'.repeat(full)}${'░'.repeat(width - full)} ${(share * 100).toFixed(0).padStart(3)}%  revision ${done}/${total}  ${eta}s left `,
      );
    },
    done() {
      err.write('\r\u001b[2K');
    },
  };
}
