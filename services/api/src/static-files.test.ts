import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StaticFiles } from './static-files.js';

describe('static UI files', () => {
  const root = mkdtempSync(join(tmpdir(), 'elava-ui-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Elava</title>');
  writeFileSync(join(root, 'assets', 'app-ABC.js'), 'console.log(1)');
  writeFileSync(join(root, '..', 'secret.txt'), 'no');
  const files = new StaticFiles(root);

  it('serves the bundles for good, and index.html for every page path', async () => {
    const js = await files.answer('/assets/app-ABC.js');
    expect(js).toMatchObject({
      status: 200,
      type: 'text/javascript; charset=utf-8',
      cache: expect.stringMatching(/immutable/),
    });
    for (const page of ['/', '/changes', '/resource']) {
      const html = await files.answer(page);
      expect(html).toMatchObject({ status: 200, cache: 'no-cache' });
      expect(String(html.body)).toContain('<title>Elava</title>');
    }
    expect((await files.answer('/assets/missing.js')).status).toBe(404);
  });

  it('never reads outside its directory', async () => {
    for (const p of [
      '/assets/../../secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/assets/a%00.js',
      '/assets/%E0%A4%A',
    ])
      expect((await files.answer(p)).status, p).toBe(404);
  });

  it('says the UI is not built rather than failing', async () => {
    const none = await new StaticFiles(join(root, 'nowhere')).answer('/');
    expect(none.status).toBe(503);
    expect(String(none.body)).toMatch(/npm run build/);
  });
});
