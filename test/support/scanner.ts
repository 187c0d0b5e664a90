import { createRedis } from '@elava/bus';
import { Accounts, createScanner, type ScannerOptions } from '@elava/scanner';
import { infra, silentLog } from './infra.js';

/**
 * An in-process scanner on moto (or on `extra.endpoint`) with its own Redis connections, closed
 * through `defer` when the test's stage is taken down.
 */
export function testScanner(
  prefix: string,
  defer: (close: () => Promise<unknown>) => void,
  extra: Partial<ScannerOptions> = {},
) {
  const producer = createRedis(infra().redis, 'producer');
  const consumer = createRedis(infra().redis, 'worker');
  const endpoint = extra.endpoint ?? infra().moto;
  const scanner = createScanner({
    producer,
    consumer,
    accounts: new Accounts({ accounts: [], aws: { endpoint }, regions: ['us-east-1'] }),
    endpoint,
    log: silentLog,
    prefix,
    ...extra,
  });
  defer(async () => {
    await scanner.close();
    producer.disconnect();
    consumer.disconnect();
  });
  return scanner;
}
