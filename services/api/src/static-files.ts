import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

export interface StaticAnswer {
  status: number;
  type: string;
  body: Buffer | string;
  cache: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * The web UI's built files (web/dist): `/assets/…` are the bundles, named by their content hash
 * (cached for good); every other path is a page of the app, answered with index.html (never
 * cached), so a shared link such as /changes?kind=tag_drift opens that page.
 */
export class StaticFiles {
  constructor(private readonly root: string) {}

  async answer(pathname: string): Promise<StaticAnswer> {
    if (pathname.startsWith('/assets/')) {
      const file = this.inside(pathname);
      if (!file) return notFound(pathname);
      try {
        const body = await readFile(file);
        return {
          status: 200,
          type: TYPES[extname(file)] ?? 'application/octet-stream',
          body,
          cache: 'public, max-age=31536000, immutable',
        };
      } catch {
        return notFound(pathname);
      }
    }
    try {
      return {
        status: 200,
        type: TYPES['.html'] as string,
        body: await readFile(join(this.root, 'index.html')),
        cache: 'no-cache',
      };
    } catch {
      return {
        status: 503,
        type: 'text/plain; charset=utf-8',
        body: `The web UI is not built (no ${join(this.root, 'index.html')}): run npm run build.\n`,
        cache: 'no-store',
      };
    }
  }

  /** The file a path names, or null when it would leave the root. */
  private inside(pathname: string): string | null {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return null;
    }
    if (decoded.includes('\0')) return null;
    const file = normalize(join(this.root, decoded));
    return file.startsWith(this.root.endsWith(sep) ? this.root : this.root + sep) ? file : null;
  }
}

const notFound = (path: string): StaticAnswer => ({
  status: 404,
  type: 'text/plain; charset=utf-8',
  body: `no such file: ${path}\n`,
  cache: 'no-store',
});
