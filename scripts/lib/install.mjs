// Installs what is missing, fast when everything is present. Node built-ins only.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  MOTO_BIN,
  MOTO_VERSION,
  OPA_BIN,
  OPA_MODULE,
  OPA_VERSION,
  OS_PACKAGES,
  ROOT,
  TOOLS_BIN,
  VENV,
} from './paths.mjs';
import { ok, run, SetupError, warn, withProgress } from './term.mjs';

function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

function output(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return null;
  }
}

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

export async function ensureNpmPackages() {
  const lock = join(ROOT, 'package-lock.json');
  const installed = join(ROOT, 'node_modules', '.package-lock.json');
  // `npx elava` needs the CLI's bin link, which an install over an older tree may have left out.
  const stale =
    !existsSync(installed) ||
    !existsSync(join(ROOT, 'node_modules', '.bin', 'elava')) ||
    mtime(lock) > mtime(installed) ||
    mtime(join(ROOT, 'package.json')) > mtime(installed);
  if (!stale) return ok('npm packages present');
  // `npm install`, not `npm ci`: with `omit-lockfile-registry-resolved` (set on our machines) npm
  // writes lock files that `npm ci` then refuses for lacking other platforms' optional packages.
  await withProgress('installing npm packages', () =>
    run('npm', ['install', '--no-audit', '--no-fund'], { cwd: ROOT, quiet: true }),
  );
}

/** True when the URL was given by the user and answers: then no local server is needed. */
function external(envName) {
  return Boolean(process.env[envName]);
}

export async function ensureOsPackages() {
  const missing = [];
  if (!external('REDIS_URL') && !which('redis-server')) missing.push(OS_PACKAGES.redis);
  if (!external('NATS_URL') && !which('nats-server')) missing.push(OS_PACKAGES.nats);
  if (missing.length === 0) return ok('redis-server and nats-server present');
  if (process.getuid?.() !== 0) {
    throw new SetupError(
      `missing ${missing.join(' and ')}. Install with:\n  sudo apt-get install -y ${missing.join(' ')}\n` +
        'or point Elava at running servers with REDIS_URL=redis://host:6379 and NATS_URL=nats://host:4222 (JetStream on).',
    );
  }
  await withProgress(`installing ${missing.join(', ')} from the OS packages`, async () => {
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['update', '-qq'], { env, quiet: true });
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, quiet: true });
  });
}

export async function ensureOpa() {
  const version = existsSync(OPA_BIN) ? output(OPA_BIN, ['version']) : null;
  if (version?.includes(`Version: ${OPA_VERSION.slice(1)}`)) return ok(`opa ${OPA_VERSION} present`);
  if (!which('go')) {
    throw new SetupError(
      `the opa CLI ${OPA_VERSION} is built with Go, and no 'go' is on PATH. Install Go 1.24 or newer.`,
    );
  }
  mkdirSync(TOOLS_BIN, { recursive: true });
  await withProgress(`building opa ${OPA_VERSION} with go install (first time only, a few minutes)`, () =>
    run('go', ['install', `${OPA_MODULE}@${OPA_VERSION}`], {
      env: { CGO_ENABLED: '0', GOBIN: TOOLS_BIN, GOFLAGS: '-trimpath' },
      quiet: true,
    }),
  );
}

export async function ensureMoto() {
  const py = join(VENV, 'bin', 'python');
  const have = existsSync(py) ? output(py, ['-c', 'import moto; print(moto.__version__)'])?.trim() : null;
  if (have === MOTO_VERSION && existsSync(MOTO_BIN)) return ok(`moto ${MOTO_VERSION} present`);
  if (external('AWS_ENDPOINT_URL')) return ok(`using the AWS emulator at ${process.env.AWS_ENDPOINT_URL}`);
  const python = which('python3');
  if (!python) throw new SetupError('moto needs python3 (3.9 or newer) on PATH.');
  await withProgress(`installing moto ${MOTO_VERSION} into ${VENV}`, async () => {
    if (!existsSync(py)) await run(python, ['-m', 'venv', VENV], { quiet: true });
    await run(
      join(VENV, 'bin', 'pip'),
      ['install', '-q', '--disable-pip-version-check', `moto[server]==${MOTO_VERSION}`],
      {
        quiet: true,
      },
    );
  });
}

/** One OS package by apt-get, as root; `why` says what it is for, in the progress line. */
async function aptInstall(pkg, why) {
  await withProgress(`installing ${pkg} from the OS packages (${why})`, async () => {
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['update', '-qq'], { env, quiet: true });
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { env, quiet: true });
  });
}

/**
 * Chromium from the OS packages, for the web UI's browser tests (playwright-core drives it; no
 * browser is downloaded). Without root, the tests that need it say what to install.
 */
export async function ensureChromium() {
  if (process.env.ELAVA_CHROMIUM ? existsSync(process.env.ELAVA_CHROMIUM) : which('chromium'))
    return ok('chromium present');
  if (process.getuid?.() !== 0)
    return warn('the web UI tests need Chromium: sudo apt-get install -y chromium (or set ELAVA_CHROMIUM)');
  await aptInstall('chromium', 'for the browser tests');
}

/**
 * etcd 3.4 (Debian's etcd-server), the peer bench/store measures against in the same run. Only the
 * bench asks for it; without root it says what to install and the bench prints its own figures.
 */
export async function ensureEtcd() {
  if (which('etcd')) return true;
  if (process.getuid?.() !== 0) {
    warn('bench/store compares against etcd: sudo apt-get install -y etcd-server');
    return false;
  }
  await aptInstall('etcd-server', 'the peer bench/store compares against');
  return Boolean(which('etcd'));
}

/** Everything the two commands need, in the order that fails fastest; `browser` for the tests. */
export async function installAll({ browser = false } = {}) {
  await ensureNpmPackages();
  await ensureOsPackages();
  await Promise.all([ensureOpa(), ensureMoto(), ...(browser ? [ensureChromium()] : [])]);
}
