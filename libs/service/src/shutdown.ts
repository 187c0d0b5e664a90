import type { Logger } from '@elava/log';

interface Hook {
  name: string;
  run: () => Promise<void> | void;
}

/**
 * Shutdown hooks run last-registered first, like deferred calls: a service registers its
 * connections before the workers that use them, so workers stop taking jobs before their
 * connections close. Each hook gets a deadline so one stuck close cannot hang the process.
 */
export class Shutdown {
  private readonly hooks: Hook[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly log: Logger,
    private readonly hookTimeoutMs = 10_000,
  ) {}

  add(name: string, run: Hook['run']): void {
    this.hooks.push({ name, run });
  }

  get started(): boolean {
    return this.running !== null;
  }

  run(reason: string): Promise<void> {
    this.running ??= this.runAll(reason);
    return this.running;
  }

  private async runAll(reason: string): Promise<void> {
    this.log.info({ reason, hooks: this.hooks.length }, 'shutting down');
    for (const hook of [...this.hooks].reverse()) {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(hook.run),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${this.hookTimeoutMs} ms`)), this.hookTimeoutMs);
          }),
        ]);
        this.log.debug({ hook: hook.name, ms: Date.now() - started }, 'stopped');
      } catch (err) {
        this.log.error({ hook: hook.name, err }, 'shutdown step failed; continuing');
      } finally {
        clearTimeout(timer);
      }
    }
    this.log.info('stopped');
  }
}
