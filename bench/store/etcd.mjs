// etcd 3.4 (Debian's etcd-server) on loopback with its data on the same disk, driven from Node.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { Etcd3 } from 'etcd3';

export function etcdAvailable() {
  try {
    return execFileSync('etcd', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    return null;
  }
}

export async function startEtcd(dir, port = 23790) {
  rmSync(dir, { recursive: true, force: true });
  // etcd warns about a data directory others can read.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const child = spawn(
    'etcd',
    [
      '--data-dir',
      dir,
      '--listen-client-urls',
      `http://127.0.0.1:${port}`,
      '--advertise-client-urls',
      `http://127.0.0.1:${port}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${port + 1}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${port + 1}`,
      '--initial-cluster',
      `default=http://127.0.0.1:${port + 1}`,
      '--max-txn-ops',
      '10000',
      '--max-request-bytes',
      String(16 * 1024 * 1024),
      '--quota-backend-bytes',
      String(8 * 1024 * 1024 * 1024),
      '--log-level',
      'error',
      '--logger',
      'zap',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const client = new Etcd3({
    hosts: `127.0.0.1:${port}`,
    grpcOptions: { 'grpc.max_send_message_length': 64 * 1024 * 1024 },
  });
  for (let i = 0; i < 100; i++) {
    try {
      await client.get('probe').string();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    client,
    async stop() {
      client.close();
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** One transaction of puts per batch, as etcd applies a revision: the closest peer workload. */
export async function etcdIngest(client, batches) {
  const started = process.hrtime.bigint();
  let n = 0;
  for (const batch of batches) {
    await client
      .if('probe', 'Version', '==', 0)
      .then(...batch.map((d) => client.put(d.id).value(d.json)))
      .commit();
    n += batch.length;
  }
  return { versions: n, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
