// Where the set-up keeps things, and the pinned versions. Node built-ins only: this runs before npm install.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Everything the set-up installs or writes lives here, git-ignored. */
export const HOME = process.env.ELAVA_HOME ? resolve(process.env.ELAVA_HOME) : join(ROOT, '.elava');
export const TOOLS_BIN = join(HOME, 'tools', 'bin');
export const VENV = join(HOME, 'venv');
export const RUN = join(HOME, 'run');
export const LOGS = join(HOME, 'logs');
export const DATA = join(HOME, 'infra');

export const OPA_VERSION = 'v1.22.2';
export const OPA_MODULE = 'github.com/open-policy-agent/opa';
export const MOTO_VERSION = '5.2.5';
export const OS_PACKAGES = { redis: 'redis-server', nats: 'nats-server' };

export const OPA_BIN = join(TOOLS_BIN, 'opa');
export const MOTO_BIN = join(VENV, 'bin', 'moto_server');

/**
 * Debian installs nats-server in /usr/sbin, which a non-root user's PATH often lacks: without it the
 * set-up would install the package again and then fail to start it. The sbin directories go last.
 */
export function withSbin(path = '') {
  const parts = path.split(':').filter(Boolean);
  for (const dir of ['/usr/local/sbin', '/usr/sbin', '/sbin']) if (!parts.includes(dir)) parts.push(dir);
  return parts.join(':');
}
process.env.PATH = withSbin(process.env.PATH);
