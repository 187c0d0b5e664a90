import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { infra } from '../support/infra.js';

const MAIN = resolve(import.meta.dirname, '../../services/api/dist/main.js');

describe('the api service on a port already taken', () => {
  it('says which port is taken and how to choose another, and exits 1', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'elava-port-'));
    const config = join(dir, 'elava.yaml');
    writeFileSync(
      config,
      `version: "2.0"\nstorage: { dir: "${join(dir, 'data')}" }\nredis: { url: "${infra().redis}" }\nnats: { url: "${infra().nats}" }\napi: { port: ${port} }\n`,
    );
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, ELAVA_CONFIG: config, ELAVA_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    holder.close();
    expect(code).toBe(1);
    expect(output).toContain(`port ${port} on 127.0.0.1 is taken`);
    expect(output).toContain('ELAVA_API_PORT');
  }, 30_000);
});
