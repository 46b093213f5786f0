/** Headless Chromium (Debian's, driven by playwright-core: no browser download) and page helpers. */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { DemoSnapshot } from '../src/state.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const RESULTS_DIR = fileURLToPath(new URL('../test-results/', import.meta.url));

// --user-data-dir must not be among them: playwright sets its own and launch() throws.
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

/** `webgpu`: add --enable-unsafe-webgpu, which gives SwiftShader's software adapter. */
export function launch(webgpu = false): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: webgpu ? [...ARGS, '--enable-unsafe-webgpu'] : ARGS,
  });
}

/** Console errors and uncaught exceptions of a page, collected from the start. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return errors;
}

/** Opens the page and waits until every model has run on the first digit (or it reports an error). */
export async function openDemo(page: Page, url: string, timeout = 60_000): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(
    () =>
      document.body.dataset.ready === 'true' || document.getElementById('status')?.dataset.state === 'error',
    null,
    { timeout, polling: 100 },
  );
  const state = await page.getAttribute('#status', 'data-state');
  if (state === 'error') throw new Error(`the page failed: ${await page.textContent('#status')}`);
}

/** The panels that load when they scroll into view, by the name the snapshot gives them. */
export const LAZY_PANELS = {
  denoising: '#noise-section',
  codes: '#codes-section',
  vae: '#vae-section',
  interpolation: '#interp-section',
} as const;

/** Scrolls each lazy panel into view, as a reader would, and waits until it has loaded. */
export async function openPanels(page: Page, timeout = 60_000): Promise<void> {
  for (const selector of Object.values(LAZY_PANELS)) {
    await page.locator(selector).scrollIntoViewIfNeeded();
    await page.waitForFunction(
      (s) => ['ready', 'error'].includes(document.querySelector<HTMLElement>(s)?.dataset.state ?? ''),
      selector,
      { timeout, polling: 100 },
    );
    expect(await page.getAttribute(selector, 'data-state'), selector).toBe('ready');
  }
  await page.evaluate(() => window.scrollTo(0, 0));
}

/** Waits for the page's pending work, then reads its numbers. */
export async function snapshot(page: Page): Promise<DemoSnapshot> {
  return page.evaluate(async () => {
    const demo = window.__demo;
    if (!demo) throw new Error('window.__demo is missing');
    await demo.idle();
    return demo.snapshot();
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const path = `${RESULTS_DIR}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}
