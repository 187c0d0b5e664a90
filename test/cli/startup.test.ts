import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * The AWS SDK's CommonJS modules a process has loaded once the given module is imported: Node's
 * CJS cache holds every one, whether required or imported.
 */
function sdkModulesAfterImporting(path: string): number {
  const script = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(join(ROOT, path))});
    const cache = createRequire(import.meta.url)('node:module')._cache;
    console.log(Object.keys(cache).filter((k) => k.includes('@aws-sdk')).length);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return Number(r.stdout.trim());
}

// The AWS SDK takes most of a second to load: `elava changes` and the services that never call AWS
// (the recorder; the detector unless it asks CloudTrail) start without it.
describe('what starts without the AWS SDK', () => {
  it.each(['services/cli/dist/program.js', 'services/recorder/dist/workers.js', 'services/detector/dist/workers.js'])(
    '%s',
    (path) => {
      expect(sdkModulesAfterImporting(path)).toBe(0);
    },
  );

  it('while the readers do load it (the check can fail)', () => {
    expect(sdkModulesAfterImporting('libs/aws/dist/index.js')).toBeGreaterThan(0);
  });
});
