import { type CheckReport, check, repair, Store } from '@elava/store';
import type { Command } from 'commander';
import { existingDataDir } from '../data-dir.js';
import { EXIT, type Io } from '../io.js';

interface Common {
  dataDir?: string;
  config?: string;
  json?: boolean;
}

function describe(r: CheckReport): string[] {
  const lines = [`segments ${r.segments}, records ${r.records}, last revision ${r.lastRevision}`];
  if (r.corruption)
    lines.push(`DAMAGED at ${r.corruption.segment} offset ${r.corruption.offset}: ${r.corruption.reason}`);
  if (r.torn)
    lines.push(`torn tail at ${r.torn.segment} offset ${r.torn.offset} (${r.torn.bytes} bytes): ${r.torn.reason}`);
  lines.push(
    r.audit.ok
      ? `audit chain verified (${r.audit.entries} entries)`
      : `audit chain BROKEN at seq ${r.audit.seq}: ${r.audit.reason}`,
  );
  lines.push(r.ok ? 'ok' : 'not ok: `elava store repair` keeps everything before the damage');
  return lines;
}

export function registerStore(program: Command, io: Io, setExit: (code: number) => void): void {
  const store = program
    .command('store')
    .description('inspect and mend the revision store on this machine (the recorder must be stopped to repair)');

  store
    .command('check')
    .description('read the whole log and say what, if anything, is damaged; exit 1 if anything is')
    .addHelpText('after', '\nExamples:\n  elava store check\n  elava store check --data-dir /var/lib/elava --json')
    .action((o: Common) => {
      const report = check(existingDataDir(io, { ...program.opts(), ...o }));
      io.out(o.json || program.opts().json ? JSON.stringify(report, null, 2) : describe(report).join('\n'));
      if (!report.ok) setExit(EXIT.finding);
    });

  store
    .command('repair')
    .description('truncate at the first damage and move later segments to a quarantine folder (nothing is deleted)')
    .addHelpText('after', '\nExample:\n  elava store repair --data-dir /var/lib/elava')
    .action((o: Common) => {
      const r = repair(existingDataDir(io, { ...program.opts(), ...o }));
      if (o.json || program.opts().json) return io.out(JSON.stringify(r, null, 2));
      if (!r.truncated && r.quarantined.length === 0) return io.out('nothing to repair');
      if (r.truncated) io.out(`truncated ${r.truncated.segment} at offset ${r.truncated.offset}`);
      if (r.quarantined.length > 0) io.out(`moved ${r.quarantined.join(', ')} to ${r.quarantineDir}`);
      io.out('the index is rebuilt from the log at the next start');
    });

  store
    .command('stats')
    .description('revision, resources, versions, audit entries and size on disk')
    .action(async (o: Common) => {
      const s = await Store.open(existingDataDir(io, { ...program.opts(), ...o }));
      try {
        const stats = s.stats();
        io.out(
          o.json || program.opts().json
            ? JSON.stringify({ ...stats, open: s.report }, null, 2)
            : Object.entries(stats)
                .map(([k, v]) => `${k.padEnd(14)} ${v}`)
                .join('\n'),
        );
      } finally {
        await s.close();
      }
    });

  for (const c of store.commands) {
    c.option('--data-dir <dir>', 'the store directory (default: ELAVA_DATA_DIR or storage.dir)');
    c.option('--json', 'machine-readable output');
  }
}
