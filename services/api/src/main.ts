#!/usr/bin/env node
// The query API and web UI process: HTTP in, NATS request/reply to the recorder (which holds the
// store), JSON out; the UI's files from web/dist; a live feed from NATS. Stateless, so any number
// can run; it is ready while NATS is connected, and answers 503 with a message while no recorder
// answers. Bound to anything but loopback it needs api.auth_token, and refuses to start without.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { connectNats, createRedis, startHeartbeat } from '@elava/bus';
import { QueryClient } from '@elava/query';
import { boot } from '@elava/service';
import { requiredToken, UnprotectedBindError } from './auth.js';
import { LiveFeed } from './live-feed.js';
import { apiListener } from './server.js';
import { servicesHealth } from './services-health.js';
import { StaticFiles } from './static-files.js';

const { runtime, config } = boot('api');
const { log } = runtime;
const { host, port: wantedPort } = config.api;
let token: string | null;
try {
  token = requiredToken(host, config.api.auth_token);
} catch (err) {
  if (!(err instanceof UnprotectedBindError)) throw err;
  log.fatal({ host }, err.message);
  process.exit(2);
}
runtime.handleSignals();

const nc = await connectNats(config.nats.url, 'elava-api', log);
runtime.onShutdown('nats', () => nc.drain());
// Only for the heartbeat `elava status` reads, and the services' health the UI shows.
const redis = createRedis(config.redis.url, 'producer', 'elava-api');
runtime.onShutdown('redis', async () => void (await redis.quit()));

const feed = new LiveFeed(nc, log);
const server = createServer(
  apiListener({
    asker: new QueryClient(nc, config.api.timeout),
    openapiPath: fileURLToPath(new URL('../../../docs/openapi.yaml', import.meta.url)),
    ui: new StaticFiles(fileURLToPath(new URL('../../../web/dist', import.meta.url))),
    feed,
    services: () => servicesHealth(redis, config.redis.prefix),
    token,
    runtime,
    log,
  }),
);
try {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(wantedPort, host, () => resolve());
  });
} catch (err) {
  // Most often a second `npm start`, or another program on 7070: say so, and how to move.
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== 'EADDRINUSE' && code !== 'EACCES') throw err;
  log.fatal(
    { host, port: wantedPort, code },
    code === 'EADDRINUSE'
      ? `port ${wantedPort} on ${host} is taken (another Elava, or another program): set api.port in the configuration, or ELAVA_API_PORT`
      : `not allowed to listen on ${host}:${wantedPort}: choose a port above 1023 with api.port or ELAVA_API_PORT`,
  );
  await runtime.stop('cannot listen');
  process.exit(1);
}
runtime.onShutdown('http', async () => {
  feed.closeAll();
  const closed = new Promise<void>((r) => server.close(() => r()));
  server.closeIdleConnections();
  await closed;
});
const port = (server.address() as AddressInfo).port;
// The heartbeat names the port its /healthz, /readyz and /metrics answer on: this one.
runtime.port = port;
runtime.addReadinessCheck('nats', () => !nc.isClosed());
runtime.onShutdown('heartbeat', startHeartbeat(redis, runtime, { prefix: config.redis.prefix }));
runtime.setReady(true);
const shown = host.includes(':') ? `[${host}]` : host;
log.info(
  { url: `http://${shown}:${port}/`, auth: token ? 'bearer token' : 'none (loopback only)' },
  'web UI and query API ready',
);
