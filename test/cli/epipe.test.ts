import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '..', '..', 'services', 'cli', 'dist', 'main.js');

// `elava changes | head` closes the pipe early: the CLI stops quietly, as Unix tools do, instead of
// dying on an unhandled EPIPE with a stack trace.
it('stops quietly, exit 0, when the reader of its output has gone', async () => {
  const child = spawn(process.execPath, [CLI, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let err = '';
  child.stderr.on('data', (b: Buffer) => {
    err += String(b);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(err).not.toMatch(/EPIPE/);
  expect(code).toBe(0);
});
