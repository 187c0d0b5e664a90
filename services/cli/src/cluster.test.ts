import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverServices, nodeOptions, repoRoot } from './cluster.js';

describe('service manifests', () => {
  it('runs the scanner with bounded V8 heaps, and docker compose gives it the same flags', () => {
    const root = repoRoot();
    const scanner = discoverServices(root).find((s) => s.name === 'scanner');
    expect(scanner?.nodeFlags).toEqual(['--max-semi-space-size=2', '--max-old-space-size=192']);
    const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    const block = compose.slice(compose.indexOf('\n  scanner:'), compose.indexOf('\n  scheduler:'));
    expect(block).toContain(`NODE_OPTIONS: "${scanner?.nodeFlags.join(' ')}"`);
  });

  it('puts the operator NODE_OPTIONS after the manifest flags, so the operator wins', () => {
    expect(nodeOptions(['--max-old-space-size=192'], '--max-old-space-size=1024')).toEqual({
      NODE_OPTIONS: '--max-old-space-size=192 --max-old-space-size=1024',
    });
    expect(nodeOptions([], undefined)).toEqual({});
    expect(nodeOptions([], '--enable-source-maps')).toEqual({ NODE_OPTIONS: '--enable-source-maps' });
  });

  it('refuses a manifest flag that is not a heap size, naming the file', () => {
    const root = mkdtempSync(join(tmpdir(), 'elava-manifest-'));
    try {
      mkdirSync(join(root, 'services', 'odd'), { recursive: true });
      writeFileSync(
        join(root, 'services', 'odd', 'package.json'),
        JSON.stringify({ elava: { start: 'dist/main.js', node_flags: ['--inspect=0.0.0.0:9229'] } }),
      );
      expect(() => discoverServices(root)).toThrow(/services\/odd\/package.json: elava.node_flags/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
