import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { infra } from './infra.js';

/**
 * An HTTP proxy in front of moto for fault tests: it can slow every answer down, or answer 500
 * to the requests `fail` picks. The AWS SDK talks to it as to any endpoint.
 */
export async function motoProxy(opts: {
  delayMs?: number;
  fail?: (body: string) => boolean;
}): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(infra().moto);
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    if (opts.fail?.(body.toString())) {
      res.writeHead(500, { 'content-type': 'text/xml' });
      res.end('<ErrorResponse><Error><Code>InternalFailure</Code><Message>injected</Message></Error></ErrorResponse>');
      return;
    }
    const upstream = await fetch(new URL(req.url ?? '/', target), {
      method: req.method,
      headers: Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length'),
      ) as Record<string, string>,
      body: ['GET', 'HEAD'].includes(req.method ?? '') ? undefined : body,
    });
    res.writeHead(upstream.status, Object.fromEntries(upstream.headers));
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
