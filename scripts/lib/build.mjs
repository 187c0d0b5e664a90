import { ROOT } from './paths.mjs';
import { run, withProgress } from './term.mjs';

/** Compiles every workspace (TypeScript and policies) through turbo, which skips what is current. */
export function build({ quiet = true } = {}) {
  return withProgress('building', () =>
    run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], {
      cwd: ROOT,
      quiet,
      env: { TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
    }),
  );
}
