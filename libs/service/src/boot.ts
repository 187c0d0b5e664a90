import { ConfigError, type ElavaConfig, loadConfig } from '@elava/config';
import { ServiceRuntime } from './runtime.js';

/**
 * What every service's main.ts starts with: the runtime (port from ELAVA_HTTP_PORT) and the
 * configuration. A bad configuration stops the process with exit 2 and the file, key path and
 * expectation in the log, before anything connects.
 */
export function boot(service: string): { runtime: ServiceRuntime; config: ElavaConfig } {
  const runtime = new ServiceRuntime({ service, port: Number(process.env.ELAVA_HTTP_PORT ?? 0) });
  try {
    return { runtime, config: loadConfig().config };
  } catch (err) {
    runtime.log.fatal({ err: err instanceof ConfigError ? err.message : err }, 'cannot start');
    process.exit(2);
  }
}
