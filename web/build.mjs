#!/usr/bin/env node
// Bundles the web UI into dist/: one script and one stylesheet named by their content hash (the
// API caches them for good), and index.html naming them. The content security policy allows only
// these files: no inline script or style is written.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const watch = process.argv.includes('--dev');

const result = await build({
  entryPoints: { app: join(here, 'src/main.tsx') },
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  platform: 'browser',
  // Workspace packages from their TypeScript sources (types and constants only).
  conditions: ['@elava/source'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: !watch,
  sourcemap: true,
  legalComments: 'linked',
  outdir: join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  write: false,
  logLevel: 'warning',
});

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });
const assets = {};
for (const f of result.outputFiles) {
  writeFileSync(f.path, f.contents);
  const name = basename(f.path);
  if (/^app-[A-Z0-9]+\.js$/i.test(name)) assets.js = name;
  if (/^app-[A-Z0-9]+\.css$/i.test(name)) assets.css = name;
}
if (!assets.js || !assets.css)
  throw new Error(`the bundle is missing a script or a stylesheet: ${JSON.stringify(assets)}`);
const html = readFileSync(join(here, 'src/index.html'), 'utf8')
  .replace('%APP_JS%', `/assets/${assets.js}`)
  .replace('%APP_CSS%', `/assets/${assets.css}`);
writeFileSync(join(dist, 'index.html'), html);
const size = (n) => `${(readFileSync(join(dist, 'assets', n)).length / 1024).toFixed(0)} KiB`;
const digest = createHash('sha256').update(html).digest('hex').slice(0, 8);
console.log(`web/dist: ${assets.js} (${size(assets.js)}), ${assets.css} (${size(assets.css)}), index.html ${digest}`);
