import { ConfigError } from '@elava/config';
import {
  CompactedError,
  CorruptionError,
  FutureRevisionError,
  InvalidSelectorError,
  StoreLockedError,
} from '@elava/store';
import { Command, CommanderError } from 'commander';
import { registerApprove } from './commands/approve.js';
import { registerCompact } from './commands/compact.js';
import { registerDiff } from './commands/diff.js';
import { registerListings } from './commands/listings.js';
import { registerPolicy } from './commands/policy.js';
import { registerScan } from './commands/scan.js';
import { registerStatus } from './commands/status.js';
import { registerStore } from './commands/store.js';
import { registerUp } from './commands/up.js';
import { registerWhy } from './commands/why.js';
import { CliError, EXIT, type Io } from './io.js';

/** Builds the `elava` program; each verb lives in commands/. */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('elava')
    .description('Day 2 cloud operations: every version of every resource, what changed and when')
    .option('-c, --config <file>', 'elava.yaml (default: ELAVA_CONFIG or ./elava.yaml)')
    .option('--json', 'machine-readable output')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  registerStore(program, io, setExit);
  registerCompact(program, io);
  registerScan(program, io, setExit);
  registerApprove(program, io, setExit);
  registerListings(program, io, setExit);
  registerDiff(program, io);
  registerWhy(program, io);
  registerStatus(program, io, setExit);
  registerPolicy(program, io, setExit);
  registerUp(program, io, setExit);
  return program;
}

/** Runs one command line; returns the exit code. Errors become one clear line, never a stack. */
export async function run(argv: string[], io: Io): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof CliError) {
      io.err(`elava: ${err.message}`);
      return err.code;
    }
    if (err instanceof CorruptionError) {
      io.err(`elava: ${err.message}`);
      return EXIT.finding;
    }
    if (
      err instanceof ConfigError ||
      err instanceof StoreLockedError ||
      err instanceof InvalidSelectorError ||
      err instanceof CompactedError ||
      err instanceof FutureRevisionError
    ) {
      io.err(`elava: ${err.message}`);
      return EXIT.usage;
    }
    io.err(`elava: unexpected error: ${(err as Error).stack ?? err}`);
    return EXIT.usage;
  }
}
