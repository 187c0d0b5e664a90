import type { Logger } from '@elava/log';
import { readCompiled } from './compiled.js';
import { PolicyPool } from './pool.js';

export interface LibraryOptions {
  /** policies.path: the compiled library is read from its dist/. */
  path: string;
  /** data.* for every package (config values, the expected inventory). */
  data: unknown;
  log: Logger;
  threads?: number;
  /** Told the packages (`elava.<name>`) of each library loaded, the first and every reload. */
  onLoad?: (packages: string[]) => void;
}

/**
 * The loaded policy library. `reload()` builds a new pool beside the current one and swaps it in
 * only once every thread has loaded; evaluations already handed to the old pool finish there, and
 * it is closed once it is idle. A library that fails to load leaves the current one in place.
 */
export class PolicyLibrary {
  private retiring = new Set<PolicyPool>();

  private constructor(
    private pool: PolicyPool,
    private readonly options: LibraryOptions,
  ) {}

  static async open(options: LibraryOptions): Promise<PolicyLibrary> {
    return new PolicyLibrary(await load(options), options);
  }

  get current(): PolicyPool {
    return this.pool;
  }

  async reload(): Promise<void> {
    const next = await load(this.options);
    const old = this.pool;
    this.pool = next;
    this.retire(old);
  }

  private retire(old: PolicyPool): void {
    this.retiring.add(old);
    const check = setInterval(() => {
      if (old.busy > 0) return;
      clearInterval(check);
      this.retiring.delete(old);
      void old.close();
    }, 100);
    check.unref();
  }

  async close(): Promise<void> {
    await Promise.all([this.pool, ...this.retiring].map((p) => p.close()));
  }
}

async function load({ path, data, log, threads, onLoad }: LibraryOptions): Promise<PolicyPool> {
  const { problems, ...library } = readCompiled(path);
  for (const problem of problems) log.error({ problem }, 'policy package not loaded');
  if (library.packages.length === 0) throw new Error(problems.join('; ') || `no policy packages under ${path}`);
  const pool = await PolicyPool.start(library, data, threads);
  for (const f of pool.failures) log.error({ package: f.package, err: f.error }, 'policy package failed to load');
  log.info({ packages: library.packages.map((x) => x.name), threads: pool.size }, 'policies loaded');
  onLoad?.(library.packages.map((x) => `elava.${x.name}`));
  return pool;
}
