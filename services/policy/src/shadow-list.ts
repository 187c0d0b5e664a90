import { unwatchFile, watchFile } from 'node:fs';
import { ConfigError, loadConfig } from '@elava/config';
import type { Logger } from '@elava/log';

/**
 * `policies.shadow` as it stands: read at start, and again whenever the configuration file changes,
 * so taking a package off the list puts it in service without a restart (the next request decides
 * with it). Only this key is applied live; a file that no longer loads keeps the list as it was.
 * The file is polled (`watchFile`): editors replace a file rather than write it, which `watch` misses.
 */
export class ShadowList {
  private packages: ReadonlySet<string>;
  private readonly file: string | null;
  private readonly listener = () => void this.reread();

  constructor(
    initial: readonly string[],
    file: string | null,
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
    intervalMs = 1_000,
  ) {
    this.packages = new Set(initial);
    this.file = file;
    if (file) watchFile(file, { interval: intervalMs, persistent: false }, this.listener);
  }

  /** The packages in the shadow now (`elava.<name>`). */
  get current(): ReadonlySet<string> {
    return this.packages;
  }

  /** Reads the file again; returns whether the list changed. */
  reread(): boolean {
    if (!this.file) return false;
    let next: string[];
    try {
      next = loadConfig({ path: this.file, env: this.env }).config.policies.shadow;
    } catch (err) {
      const message = err instanceof ConfigError ? err.message : (err as Error).message;
      this.log.error({ err: message }, 'configuration changed but does not load; policies.shadow kept as it was');
      return false;
    }
    const before = [...this.packages].sort();
    const after = [...new Set(next)].sort();
    if (before.join() === after.join()) return false;
    this.packages = new Set(after);
    const inService = before.filter((p) => !this.packages.has(p));
    this.log.info({ shadow: after, in_service: inService }, 'policies.shadow changed');
    return true;
  }

  close(): void {
    if (this.file) unwatchFile(this.file, this.listener);
  }
}
