import { EC2Client } from '@aws-sdk/client-ec2';
import { CHURN } from '@elava/demo';
import type { ChangeSummary, Decision } from '@elava/types';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIds, type SystemCluster, startCluster } from '../support/cluster.js';
import { infra } from '../support/infra.js';
import { resetMoto } from '../support/seed.js';
import { launchBrowser, snapshot } from './browser.js';

const SERVICES = ['api', 'detector', 'executor', 'notifier', 'policy', 'recorder', 'scanner'];
const step = (says: RegExp) => CHURN.find((s) => says.test(s.says)) as (typeof CHURN)[number];

/**
 * The web UI in headless Chromium against the whole cluster on moto with the demo estate: what
 * a newcomer does after `npm start` — sees the estate, watches a change arrive, steps back to
 * before the bastion was terminated, compares two instants, opens the alert's why-chain.
 */
describe('web UI in a real browser', () => {
  let c: SystemCluster;
  let browser: Browser;
  let page: Page;
  let base: string;
  let ec2: EC2Client;
  let ids: ReturnType<typeof demoIds>;
  const problems: string[] = [];
  /** Revisions: after the first scan; after the tag edit; after the termination. */
  const rev: { start?: number; gone?: Decision } = {};

  const cli = async (...args: string[]) => {
    const r = await c.cli(args);
    expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
    return r.out;
  };
  // `elava status` exits 1 here (the test cluster runs no scheduler); its JSON is what is wanted.
  const status = async () =>
    JSON.parse((await c.cli(['status', '--json'])).out) as {
      store: { revision: number };
      services: { service: string; port?: number }[];
    };
  const storeRevision = async () => (await status()).store.revision;
  const scanInstances = () => cli('scan', '--once', '--region', 'us-east-1', '--type', 'ec2.instance');

  beforeAll(async () => {
    await resetMoto(infra().moto);
    c = await startCluster({ regions: ['us-east-1'] });
    await c.ready(SERVICES);
    await c.waitLog(/demo estate ready/);
    await cli('scan', '--once');
    await c.settle();
    ids = demoIds(c, 'us-east-1');
    ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: infra().moto,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    // Where the UI is: the api's heartbeat names its port.
    base = `http://127.0.0.1:${(await status()).services.find((s) => s.service === 'api')?.port}`;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // A console error is a failure: among them any content security policy violation.
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    ec2?.destroy();
    await c?.stop();
  });

  it('shows the demo estate: counts by type, account and region, findings and services', async () => {
    const resources = JSON.parse(await cli('resources', '--json')) as { id: string }[];
    const byType: Record<string, number> = {};
    for (const r of resources) {
      const type = r.id.split(':')[3] as string;
      byType[type] = (byType[type] ?? 0) + 1;
    }
    rev.start = await storeRevision();
    await page.goto(`${base}/`);
    await page.waitForSelector('[data-testid=total-resources] b');
    expect(await page.textContent('[data-testid=total-resources] b')).toBe(String(resources.length));
    const shown = await page.$$eval('[data-testid=counts-type] td.num', (tds) =>
      Object.fromEntries(tds.map((td) => [td.getAttribute('data-key'), Number(td.textContent)])),
    );
    expect(shown).toEqual(byType);
    expect(await page.textContent('[data-testid=counts-region]')).toMatch(/us-east-1/);
    expect(await page.textContent('[data-testid=counts-account]')).toMatch(/123456789012/);
    // The demo's public database, public bucket and SSH-open group are critical findings.
    expect(Number(await page.textContent('[data-testid=findings-critical] b'))).toBeGreaterThanOrEqual(3);
    // Health as `elava status` has it: the test cluster runs every service but the scheduler.
    await page.waitForSelector('text=down: scheduler');
    for (const svc of SERVICES) await page.waitForSelector(`.card tr:has(.ok):has-text("${svc}")`);
    await page.waitForSelector('.chart canvas');
    // Away from the bars, the legend gives the window's totals: every live resource was added in it.
    const added = await page.textContent('.chart .u-series:has-text("added") .u-value');
    expect(Number(added)).toBeGreaterThanOrEqual(resources.length);
    await snapshot(page, 'overview');
    await snapshot(page, 'overview-window', false);
    expect(problems).toEqual([]);
  });

  it('shows a tag edit in the changes feed as it happens, without a reload', async () => {
    await page.goto(`${base}/changes?since=5m&type=ec2.instance`);
    await page.waitForSelector('section.live .dot.live');
    // A mark on the page's global object: gone if the page reloads.
    await page.evaluate(() => {
      (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    await step(/changes the owner tag/).run(ec2, ids);
    await scanInstances();
    const web = `aws:123456789012:us-east-1:ec2.instance:${ids.web}`;
    const row = await page.waitForSelector(`section.live article[data-resource="${web}"]:has(.kind-tag_drift)`, {
      timeout: 30_000,
    });
    expect(await row.textContent()).toMatch(/tags\.elava:owner\s*team-web\s*team-unknown/);
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    // The listing below (a page of the window, filtered on the server) has it too once reloaded.
    await page.reload();
    await page.waitForSelector(`section:not(.live) article[data-resource="${web}"]:has(.kind-tag_drift)`);
    await snapshot(page, 'changes');
    // Its resource page: the versions on a timeline, and the diff between two of them.
    await page.goto(`${base}/resource?id=${encodeURIComponent(web)}`);
    await page.waitForSelector('[data-testid=timeline] li:nth-child(2)');
    await page.waitForSelector('table.diff td.path:text-is("tags.elava:owner")');
    await snapshot(page, 'resource');
    // Both ends at one revision: nothing between them.
    const newest = await page.inputValue('label:has-text("to revision") select');
    await page.selectOption('label:has-text("from revision") select', newest);
    await page.waitForSelector('text=the same at both revisions');
    expect(problems).toEqual([]);
  });

  it('steps back to before the blessed bastion was terminated, and still lists it there', async () => {
    await step(/terminates the blessed bastion/).run(ec2, ids);
    await scanInstances();
    const bastion = `aws:123456789012:us-east-1:ec2.instance:${ids.bastion}`;
    await c.until(
      () => c.decisions.some((d) => d.change?.type === 'disappeared' && d.resource.id === bastion),
      'the bastion alert',
    );
    rev.gone = c.decisions.find((d) => d.change?.type === 'disappeared' && d.resource.id === bastion) as Decision;
    await page.goto(`${base}/estate?type=ec2.instance`);
    await page.waitForSelector('[data-testid=resources] tbody tr');
    expect(await page.$(`tr[data-id="${bastion}"]`)).toBeNull();
    // The time control, as a person uses it: a revision typed in.
    const before = rev.gone.revision - 1;
    await page.fill('input[name=at]', String(before));
    await page.click('.time-control button[type=submit]');
    await page.waitForSelector(`[data-testid=estate-revision]:text-is("${before}")`);
    await page.waitForSelector(`tr[data-id="${bastion}"]`);
    expect(page.url()).toContain(`at=${before}`);
    await snapshot(page, 'estate');
    expect(problems).toEqual([]);
  });

  it('shows exactly the changes between two revisions on the diff page, grouped by type', async () => {
    const to = await storeRevision();
    await page.goto(`${base}/diff?from=${rev.start}&to=${to}`);
    await page.waitForSelector('[data-testid=diff-summary]');
    const items = await page.$$eval('.diff-group article', (as) =>
      as.map(
        (a) =>
          `${a.closest('.diff-group')?.getAttribute('data-type')} ${a.getAttribute('data-kind')} ${a.getAttribute('data-id')}`,
      ),
    );
    expect(items.sort()).toEqual(
      [
        `ec2.instance modified aws:123456789012:us-east-1:ec2.instance:${ids.web}`,
        `ec2.instance removed aws:123456789012:us-east-1:ec2.instance:${ids.bastion}`,
      ].sort(),
    );
    expect(await page.textContent('[data-testid=diff-summary]')).toMatch(
      new RegExp(`revision ${rev.start} → ${to}: 0 added, 1 removed, 1 modified`),
    );
    expect(await page.textContent('.diff-group')).toMatch(/tags\.elava:owner\s*team-web\s*team-unknown/);
    await snapshot(page, 'diff');
    expect(problems).toEqual([]);
  });

  it("opens a decision's why-chain, which names its revisions", async () => {
    const d = rev.gone as Decision;
    await page.goto(`${base}/decisions?since=0&severity=critical`);
    const row = await page.waitForSelector(`article[data-decision="${d.id}"]`);
    await (await row.$('button'))?.click();
    const chain = await page.waitForSelector(`article[data-decision="${d.id}"] [data-testid=why-chain] li`);
    expect(chain).toBeTruthy();
    const text = (await page.textContent(`article[data-decision="${d.id}"] [data-testid=why-chain]`)) as string;
    expect(text).toMatch(new RegExp(`change\\s*disappeared at revision ${d.revision} \\(was revision \\d+\\)`));
    expect(text).toMatch(new RegExp(`decision\\s*alert\\s*critical: .*\\(revision ${d.revision}, decided`));
    expect(text).toMatch(/observed at revision \d+/);
    // The chain's link is shareable: the address says which decision is open.
    expect(page.url()).toContain(`open=${d.id}`);
    await snapshot(page, 'decisions');
    const changes = JSON.parse(
      await cli('changes', '--since', '0', '--type', 'disappeared', '--json'),
    ) as ChangeSummary[];
    expect(changes.map((ch) => ch.revision)).toContain(d.revision);
    expect(problems).toEqual([]);
  });
});
