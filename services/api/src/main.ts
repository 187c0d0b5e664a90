#!/usr/bin/env node
// The query API process: HTTP in, NATS request/reply to the recorder (which holds the store), JSON out.
// Stateless, so any number can run; it is ready while NATS is connected, and answers 503 with a
// message while no recorder answers.
import { fileURLToPath } from 'node:url';
import { connectNats, createRedis, startHeartbeat } from '@elava/bus';
import { QueryClient } from '@elava/query';
import { boot } from '@elava/service';
import { queryHandler } from './handler.js';

const { runtime, config } = boot('api', { listen: (c) => ({ host: c.api.host, port: c.api.port }) });
const { log } = runtime;
runtime.handleSignals();

const nc = await connectNats(config.nats.url, 'elava-api', log);
runtime.onShutdown('nats', () => nc.drain());
const openapi = fileURLToPath(new URL('../../../docs/openapi.yaml', import.meta.url));
runtime.mount('/v1/', queryHandler(new QueryClient(nc, config.api.timeout), openapi));
const port = await runtime.listen();
runtime.addReadinessCheck('nats', () => !nc.isClosed());
// Only for the heartbeat `elava status` reads.
const redis = createRedis(config.redis.url, 'producer', 'elava-api');
runtime.onShutdown('redis', async () => void (await redis.quit()));
runtime.onShutdown('heartbeat', startHeartbeat(redis, runtime, { prefix: config.redis.prefix }));
runtime.setReady(true);
log.info({ url: `http://${config.api.host}:${port}/v1/status` }, 'query API ready');
