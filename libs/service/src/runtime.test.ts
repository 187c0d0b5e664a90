import { Writable } from 'node:stream';
import { createLogger } from '@elava/log';
import { Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceRuntime } from './runtime.js';

const quiet = createLogger({ service: 'test', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

describe('ServiceRuntime', () => {
  let rt: ServiceRuntime | undefined;
  afterEach(async () => rt?.stop('test end'));

  it('serves health, readiness from its checks, and metrics with the service label', async () => {
    rt = new ServiceRuntime({ service: 'probe', log: quiet });
    let redisUp = false;
    rt.addReadinessCheck('redis', () => redisUp);
    const port = await rt.listen();
    const base = `http://127.0.0.1:${port}`;

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    rt.setReady(true);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ ready: false, checks: { redis: 'failing' } });
    redisUp = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    new Counter({ name: 'elava_test_total', help: 'test', registers: [rt.metrics] }).inc(3);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('elava_test_total{service="probe"} 3');
    expect(metrics).toContain('process_cpu_user_seconds_total');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('runs shutdown hooks last-registered first, once, past a failing hook', async () => {
    rt = new ServiceRuntime({ service: 'order', log: quiet, hookTimeoutMs: 200 });
    const order: string[] = [];
    rt.onShutdown('connections', () => {
      order.push('connections');
    });
    rt.onShutdown('broken', () => {
      throw new Error('boom');
    });
    rt.onShutdown('stuck', () => new Promise(() => {}));
    rt.onShutdown('workers', async () => {
      order.push('workers');
    });
    await Promise.all([rt.stop('a'), rt.stop('b')]);
    expect(order).toEqual(['workers', 'connections']);
  });

  it('reports not ready once shutdown has begun', async () => {
    rt = new ServiceRuntime({ service: 'draining', log: quiet });
    rt.setReady(true);
    expect((await rt.readiness()).ready).toBe(true);
    await rt.stop('drain');
    expect((await rt.readiness()).ready).toBe(false);
  });
});
