#!/usr/bin/env node
import { processIo } from './io.js';
import { run } from './program.js';

// `elava changes | head`: the reader has gone, which is no error of ours; stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });

process.exitCode = await run(process.argv.slice(2), processIo());
