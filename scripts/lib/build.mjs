import { ROOT } from './paths.mjs';
import { run, withProgress } from './term.mjs';

/** Compiles every workspace (TypeScript and policies) through turbo, which skips what is current. */
export async function build({ quiet = true } = {}) {
  await withProgress('building', () =>
    run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], {
      cwd: ROOT,
      quiet,
      env: { TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
    }),
  );
}

/** The tests are TypeScript too: checked before they run, as vitest itself does not type-check. */
export function typecheckTests({ quiet = true } = {}) {
  return withProgress('type-checking the tests', () =>
    run('npx', ['tsc', '-p', 'test/tsconfig.json'], { cwd: ROOT, quiet }),
  );
}
