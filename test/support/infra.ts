import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@elava/log';
import { inject } from 'vitest';

/** URLs of the Redis, NATS and moto the global set-up made sure of. */
export function infra() {
  return inject('infra');
}

/** A name no other test run shares: queues, streams and consumers use it to stay apart. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export const silentLog = createLogger({
  service: 'test',
  level: process.env.TEST_LOG_LEVEL ?? 'silent',
  destination: new Writable({ write: (_c, _e, cb) => cb() }),
});

/** Credentials moto accepts; the SDK refuses to sign without any. */
export function awsClientConfig(region = 'us-east-1') {
  return {
    region,
    endpoint: infra().moto,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
}

/** A fresh temporary directory for one test. */
export function tempDirFor(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
