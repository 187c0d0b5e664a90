import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '@elava/log';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { Shutdown } from './shutdown.js';

export type ReadinessCheck = () => Promise<boolean> | boolean;

export interface HttpAnswer {
  status: number;
  /** Sent as is; JSON unless `type` says otherwise. */
  body: string;
  type?: string;
}
/** Serves the paths under a prefix on the runtime's HTTP server (the query API's `/v1/`). */
export type HttpHandler = (req: IncomingMessage, url: URL) => Promise<HttpAnswer>;

export interface RuntimeOptions {
  service: string;
  /** Port for /healthz, /readyz, /metrics; 0 picks a free one. */
  port?: number;
  host?: string;
  log?: Logger;
  hookTimeoutMs?: number;
}

/**
 * One per process: logger, metrics registry, the health endpoints and ordered shutdown.
 * Services keep their logic in plain modules and use this only in `main.ts`.
 */
export class ServiceRuntime {
  readonly log: Logger;
  readonly metrics = new Registry();
  readonly service: string;
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly shutdown: Shutdown;
  private ready = false;
  /** Where /healthz, /readyz and /metrics answer, once listening. */
  port?: number;
  private readonly mounts: [string, HttpHandler][] = [];

  constructor(private readonly opts: RuntimeOptions) {
    this.service = opts.service;
    this.log = opts.log ?? createLogger({ service: opts.service });
    this.metrics.setDefaultLabels({ service: opts.service });
    collectDefaultMetrics({ register: this.metrics });
    this.shutdown = new Shutdown(this.log, opts.hookTimeoutMs);
  }

  /** A dependency that must answer for the service to be ready (Redis ping, NATS status, ...). */
  addReadinessCheck(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** Runs at shutdown, last registered first. */
  onShutdown(name: string, fn: () => Promise<void> | void): void {
    this.shutdown.add(name, fn);
  }

  setReady(ready: boolean): void {
    this.ready = ready;
  }

  /** Adds endpoints beside the health ones; call before `listen`. */
  mount(prefix: string, handler: HttpHandler): void {
    this.mounts.push([prefix, handler]);
  }

  async listen(): Promise<number> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const mounted = this.mounts.find(([prefix]) => url.pathname.startsWith(prefix));
      const answer = mounted ? this.serveMounted(mounted[1], req, url) : this.handle(url.pathname);
      void answer.then(({ status, type, body }) => {
        res.writeHead(status, { 'content-type': type ?? 'application/json' });
        res.end(body);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    this.port = port;
    this.shutdown.add('http', () => new Promise<void>((r) => server.close(() => r())));
    this.log.info({ port, host: this.opts.host ?? '127.0.0.1' }, 'http endpoints listening');
    return port;
  }

  private async serveMounted(handler: HttpHandler, req: IncomingMessage, url: URL): Promise<HttpAnswer> {
    try {
      return await handler(req, url);
    } catch (err) {
      this.log.error({ err: (err as Error).message, path: url.pathname }, 'request failed');
      return { status: 500, body: JSON.stringify({ error: (err as Error).message }) };
    }
  }

  async readiness(): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const results: Record<string, string> = {};
    let ok = this.ready && !this.shutdown.started;
    for (const [name, check] of this.checks) {
      try {
        const pass = await check();
        results[name] = pass ? 'ok' : 'failing';
        ok &&= pass;
      } catch (err) {
        results[name] = `error: ${(err as Error).message}`;
        ok = false;
      }
    }
    if (this.shutdown.started) results.shutdown = 'in progress';
    return { ready: ok, checks: results };
  }

  private async handle(path: string): Promise<{ status: number; type: string; body: string }> {
    const json = 'application/json';
    try {
      if (path === '/healthz') {
        return { status: 200, type: json, body: JSON.stringify({ status: 'ok', service: this.service }) };
      }
      if (path === '/readyz') {
        const r = await this.readiness();
        return { status: r.ready ? 200 : 503, type: json, body: JSON.stringify({ service: this.service, ...r }) };
      }
      if (path === '/metrics') {
        return { status: 200, type: this.metrics.contentType, body: await this.metrics.metrics() };
      }
      return { status: 404, type: json, body: JSON.stringify({ error: `no such endpoint: ${path}` }) };
    } catch (err) {
      return { status: 500, type: json, body: JSON.stringify({ error: (err as Error).message }) };
    }
  }

  stop(reason = 'requested'): Promise<void> {
    return this.shutdown.run(reason);
  }

  /**
   * SIGINT/SIGTERM stop in order and exit 0; a second signal exits at once. So does the loss of
   * the IPC channel to the process that started this one, when there is one.
   */
  handleSignals(exit: (code: number) => void = (c) => process.exit(c)): void {
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.shutdown.started) {
        this.log.warn({ signal }, 'second signal: exiting now');
        exit(1);
        return;
      }
      void this.stop(signal).then(() => exit(0));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // Started by `elava up` with an IPC channel: if that supervisor dies without stopping this
    // process (SIGKILL, a crash), the channel closes, and the service stops as if told to rather
    // than run on unsupervised, holding its port and its queues. Unref'd: it keeps nothing alive.
    if (process.channel) {
      process.channel.unref();
      process.once('disconnect', () => {
        if (this.shutdown.started) return;
        this.log.warn('the process that started this one is gone: stopping');
        void this.stop('parent gone').then(() => exit(0));
      });
    }
  }
}
