import { ConfigError, type ElavaConfig, loadConfig } from '@elava/config';
import { ServiceRuntime } from './runtime.js';

/**
 * What every service's main.ts starts with: the runtime (port from ELAVA_HTTP_PORT) and the
 * configuration. A bad configuration stops the process with exit 2 and the file, key path and
 * expectation in the log, before anything connects.
 */
export function boot(
  service: string,
  opts: { listen?: (c: ElavaConfig) => { host: string; port: number } } = {},
): { runtime: ServiceRuntime; config: ElavaConfig } {
  let config: ElavaConfig;
  try {
    config = loadConfig().config;
  } catch (err) {
    new ServiceRuntime({ service }).log.fatal({ err: err instanceof ConfigError ? err.message : err }, 'cannot start');
    process.exit(2);
  }
  const where = opts.listen?.(config) ?? { host: '127.0.0.1', port: Number(process.env.ELAVA_HTTP_PORT ?? 0) };
  return { runtime: new ServiceRuntime({ service, ...where }), config };
}
