import { parseSelector, Store } from '@elava/store';
import type { Command } from 'commander';
import { dataDir } from '../data-dir.js';
import { CliError, type Io } from '../io.js';

export function registerCompact(program: Command, io: Io): void {
  program
    .command('compact')
    .description(
      'drop versions older than the retention, keeping each resource as it was at that point and everything since',
    )
    .requiredOption('--retain <age>', 'how much history to keep, e.g. 90d, 12w, 720h')
    .option('--data-dir <dir>', 'the store directory (default: ELAVA_DATA_DIR or storage.dir)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  elava compact --retain 90d\n  elava compact --retain 30d --json')
    .action(async (o: { retain: string; dataDir?: string; json?: boolean }) => {
      const json = o.json || program.opts().json;
      if (!/^\d+(\.\d+)?[smhdw]$/.test(o.retain))
        throw new CliError(`--retain takes an age such as 90d or 12w, not ${JSON.stringify(o.retain)}`);
      const cutoff = parseSelector(o.retain) as Date;
      const store = await Store.open(dataDir(io, { ...program.opts(), ...o }));
      try {
        const rev = store.resolve(cutoff);
        if (rev <= store.compactedAt) {
          io.out(
            json
              ? JSON.stringify({ compacted: false, revision: store.compactedAt })
              : `nothing older than ${o.retain} to drop (compacted at revision ${store.compactedAt})`,
          );
          return;
        }
        const before = store.stats();
        const report = await store.compact(rev);
        const after = store.stats();
        io.out(
          json
            ? JSON.stringify({
                compacted: true,
                ...report,
                versionsBefore: before.versions,
                versionsAfter: after.versions,
              })
            : `compacted at revision ${rev} (${cutoff.toISOString()}): ${before.versions} → ${after.versions} versions, ` +
                `${(report.bytesBefore / 2 ** 20).toFixed(1)} → ${(report.bytesAfter / 2 ** 20).toFixed(1)} MiB of sealed segments in ${report.ms} ms`,
        );
      } finally {
        await store.close();
      }
    });
}
