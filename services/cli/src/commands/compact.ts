import { existsSync } from 'node:fs';
import { checkRetain, requestCompaction } from '@elava/query';
import { compactBefore, parseSelector, type RetentionOutcome, Store, StoreLockedError } from '@elava/store';
import type { Command } from 'commander';
import { dataDir, existingDataDir } from '../data-dir.js';
import { CliError, type Io } from '../io.js';
import { withCluster } from '../remote.js';

/** How long the CLI waits for the recorder's compaction (it rewrites every sealed segment). */
const REMOTE_TIMEOUT_MS = 30 * 60_000;

export function registerCompact(program: Command, io: Io): void {
  program
    .command('compact')
    .description(
      'drop versions older than the retention, keeping each resource as it was at that point and everything since',
    )
    .requiredOption('--retain <age>', 'how much history to keep, e.g. 90d, 12w, 720h')
    .option(
      '--data-dir <dir>',
      'the store directory, compacted here (default: ELAVA_DATA_DIR or storage.dir; a store in use is compacted by its recorder)',
    )
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nExamples:\n  elava compact --retain 90d\n  elava compact --retain 30d --json\n\n' +
        'A store the recorder holds is compacted by the recorder, while it goes on recording; storage.retention\n' +
        'has the recorder do it on its own.',
    )
    .action(async (o: { retain: string; dataDir?: string; json?: boolean }) => {
      const json = o.json || program.opts().json;
      if (checkRetain(o.retain))
        throw new CliError(`--retain takes an age such as 90d or 12w, not ${JSON.stringify(o.retain)}`);
      const opts = { ...program.opts(), ...o };
      const named = Boolean(o.dataDir);
      const dir = named ? existingDataDir(io, opts) : dataDir(io, opts);
      const here = named || existsSync(dir) ? await compactHere(dir, o.retain, named) : null;
      const outcome = here ?? (await compactByRecorder(o.retain));
      io.out(json ? JSON.stringify(outcome) : describe(outcome, o.retain));
    });

  /** Null when the store is in use and not named: the recorder holding it compacts it. */
  async function compactHere(dir: string, retain: string, named: boolean): Promise<RetentionOutcome | null> {
    let store: Store;
    try {
      store = await Store.open(dir);
    } catch (err) {
      if (!(err instanceof StoreLockedError)) throw err;
      if (!named) return null;
      throw new CliError(`${err.message}: leave out --data-dir and the recorder holding it compacts it`);
    }
    try {
      return await compactBefore(store, parseSelector(retain) as Date);
    } finally {
      await store.close();
    }
  }

  async function compactByRecorder(retain: string): Promise<RetentionOutcome> {
    if (io.tty) io.err(`asking the recorder to compact (history older than ${retain}) …`);
    const reply = await withCluster(program, io, async (c) => {
      try {
        return await requestCompaction(c.nc, retain, REMOTE_TIMEOUT_MS);
      } catch (err) {
        const e = err as Error & { isNoResponders?: () => boolean };
        if (e.name === 'NoRespondersError' || e.isNoResponders?.() === true)
          throw new CliError(
            `no store at ${dataDir(io, program.opts())} and no recorder answering: start Elava, or give --data-dir`,
          );
        throw new CliError(`the recorder did not compact: ${e.message}`);
      }
    });
    if ('error' in reply) throw new CliError(`the recorder did not compact: ${reply.error}`);
    return reply.outcome;
  }
}

function describe(outcome: RetentionOutcome, retain: string): string {
  if (!outcome.compacted) return `nothing older than ${retain} to drop (compacted at revision ${outcome.revision})`;
  const mib = (n: number) => (n / 2 ** 20).toFixed(1);
  return (
    `compacted at revision ${outcome.revision} (${outcome.cutoff}): ${outcome.versionsBefore} → ${outcome.versionsAfter} versions, ` +
    `${mib(outcome.bytesBefore)} → ${mib(outcome.bytesAfter)} MiB of sealed segments in ${outcome.ms} ms`
  );
}
