// A scanner worker as its own process, for the scale and crash tests.
// Usage: node scanner-process.mjs <prefix> <redis-url> <aws-endpoint> [lockMs]
import { createRedis } from '@elava/bus';
import { createLogger } from '@elava/log';
import { Accounts, createScanner } from '@elava/scanner';

const [prefix, redisUrl, endpoint, lockMs] = process.argv.slice(2);
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
const producer = createRedis(redisUrl, 'producer');
const consumer = createRedis(redisUrl, 'worker');
const scanner = createScanner({
  producer,
  consumer,
  accounts: new Accounts({ accounts: [], aws: { endpoint }, regions: ['us-east-1'] }),
  endpoint,
  log: createLogger({ service: `scanner-${process.pid}`, level: 'warn' }),
  prefix,
  pageSize: 5,
  apiPageSize: 20,
  lockDurationMs: Number(lockMs ?? 30_000),
  stalledIntervalMs: Math.max(500, Number(lockMs ?? 30_000) / 2),
  onScan: (s) => process.stdout.write(`scanned ${s.scan_id} ${process.pid}\n`),
});
await scanner.worker.waitUntilReady();
process.stdout.write('ready\n');
process.on('SIGTERM', () => void scanner.close().then(() => process.exit(0)));
