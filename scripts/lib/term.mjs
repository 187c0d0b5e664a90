// Small terminal helpers: progress a person can follow, plain when not a terminal.
import { spawn } from 'node:child_process';

const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (s) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
export const bold = paint(1);
export const dim = paint(2);
export const green = paint(32);
export const yellow = paint(33);
export const red = paint(31);

export function step(msg) {
  console.log(`${bold('elava')} ${msg}`);
}
export function ok(msg) {
  console.log(`${bold('elava')} ${green('✓')} ${msg}`);
}
export function warn(msg) {
  console.log(`${bold('elava')} ${yellow('!')} ${msg}`);
}

export class SetupError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SetupError';
  }
}

/**
 * Runs a command; its output goes to the terminal unless `quiet`, in which case it is kept and
 * shown only if the command fails, so a failure is never silent.
 */
export function run(cmd, args, { cwd, env, quiet = false } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: quiet ? 'pipe' : 'inherit' });
    let out = '';
    if (quiet) {
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
    }
    child.on('error', (err) => reject(new SetupError(`cannot run ${cmd}: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolvePromise(out);
      else
        reject(new SetupError(`${cmd} ${args.join(' ')} exited with ${code}${quiet ? `:\n${out.slice(-4000)}` : ''}`));
    });
  });
}

/** Prints a dot every few seconds while a long quiet step runs, so a person sees it is alive. */
export async function withProgress(label, fn) {
  const started = Date.now();
  step(`${label} …`);
  const timer = setInterval(() => {
    const s = Math.round((Date.now() - started) / 1000);
    step(dim(`${label} … still working (${s}s)`));
  }, 15_000);
  try {
    const result = await fn();
    ok(`${label} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
    return result;
  } finally {
    clearInterval(timer);
  }
}
