/**
 * /docs in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) against
 * `wrangler dev`: the page must load under its Content-Security-Policy without an error, list every
 * operation, and run "try it". Skipped, with a message, where Chromium is not installed.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import checkedIn from '../openapi.json';
import { startWranglerDev, type WranglerDev } from '../scripts/wrangler-dev.ts';

const CHROMIUM = '/usr/bin/chromium';
// As in apps/web-demo/test/browser.ts: nothing reaches out; --user-data-dir must not be among them.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

declare global {
  interface Window {
    __violations?: string[];
  }
}

if (!existsSync(CHROMIUM)) {
  console.warn(
    `edge-api: ${CHROMIUM} not found, skipping the /docs browser test (apt-get install -y chromium)`,
  );
}

/** A page that records console errors, uncaught exceptions and CSP violations from the start. */
async function watchedPage(browser: Browser): Promise<{ page: Page; problems: () => Promise<string[]> }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  // Injected by the DevTools protocol, so the page's own policy does not block it.
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (event) =>
      window.__violations?.push(`CSP ${event.violatedDirective}: ${event.blockedURI || 'inline'}`),
    );
  });
  return {
    page,
    problems: async () => [...errors, ...(await page.evaluate(() => window.__violations ?? []))],
  };
}

describe.skipIf(!existsSync(CHROMIUM))('/docs in headless Chromium', () => {
  let server: WranglerDev;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startWranglerDev(),
      chromium.launch({ executablePath: CHROMIUM, args: ARGS }),
    ]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([browser?.close(), server?.stop()]);
  });

  it('loads without errors or CSP violations, lists every operation, and "try it" on GET /v1/models gets 200', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${server.url}/docs`);
    await page.waitForSelector('.opblock', { timeout: 30_000 });

    const expected = Object.values(checkedIn.paths).flatMap((methods) =>
      Object.values(methods).map((op) => `operations-${op.tags[0]}-${op.operationId}`),
    );
    const listed = await page.$$eval('.opblock', (blocks) => blocks.map((b) => b.id));
    expect(listed.sort()).toEqual(expected.sort());

    const operation = page.locator('#operations-models-listModels');
    await operation.locator('.opblock-summary-control').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.getByRole('button', { name: 'Execute' }).click();
    const status = operation.locator('.live-responses-table .response .response-col_status');
    await status.waitFor({ timeout: 30_000 });
    expect((await status.textContent())?.trim()).toBe('200');
    expect(await operation.locator('.live-responses-table .microlight').first().textContent()).toContain(
      '"models"',
    );
    expect(await problems()).toEqual([]);
    await page.close();
  });

  it('follows a problem type to its explanation', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${server.url}/problems/vector-length`);
    expect(page.url()).toBe(`${server.url}/docs#problem-vector-length`);
    await page.waitForSelector('.opblock', { timeout: 30_000 });
    const row = page.locator('#problem-vector-length');
    expect(await row.textContent()).toContain('Wrong number of values');
    // Still in view once Swagger UI has rendered above it.
    await page.waitForFunction(() => {
      const box = document.getElementById('problem-vector-length')?.getBoundingClientRect();
      return box !== undefined && box.top >= 0 && box.bottom <= window.innerHeight;
    });
    expect(await problems()).toEqual([]);
    await page.close();
  });
});
