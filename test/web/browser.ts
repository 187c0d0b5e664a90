import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Chromium from the OS packages (npm test's set-up installs it), driven by playwright-core: no browser download. */
export const CHROMIUM = process.env.ELAVA_CHROMIUM ?? '/usr/bin/chromium';

export const ARTIFACTS = resolve(import.meta.dirname, 'artifacts');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: install it with apt-get install -y chromium (npm test's set-up does when run as root), or set ELAVA_CHROMIUM`,
    );
  // Root (CI, containers) cannot use Chromium's sandbox.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/**
 * A screenshot of what the test saw, kept as an artifact of the run (git-ignored): the whole page,
 * or what the window shows (the README's docs/ui.png is such a one, of the overview).
 */
export async function snapshot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}
