/**
 * End-to-end: the production build in headless Chromium, against numbers computed here with
 * onnxruntime-node. Screenshots go to test-results/ (and docs/web-demo.png, see the last test).
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  addGaussianNoise,
  browserManifest,
  DENOISE_NOISE_FACTOR,
  type Manifest,
  MODEL_IDS,
  type ModelId,
  ModelRunner,
  maxAbsDiff,
  type OrtLike,
  seededRandom,
} from '@autoencoders/modelkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DemoSnapshot } from '../src/state.ts';
import {
  CHROMIUM,
  collectErrors,
  LAZY_PANELS,
  launch,
  openDemo,
  openPanels,
  screenshot,
  snapshot,
} from './browser.ts';
import { labelOf, readManifest, reconstruct, reconstructFloat32, testDigit } from './reference.ts';

const baseUrl = inject('baseUrl');
const TOLERANCE = 1e-4;
/** How far the float16 weights may move an output pixel (0..1) from the float32 files' (measured: ~3e-3). */
const FLOAT16_TOLERANCE = 1e-2;
const DOCS_SCREENSHOT = fileURLToPath(new URL('../../../docs/web-demo.png', import.meta.url));

if (!baseUrl) {
  console.warn(`web-demo: ${CHROMIUM} not found, skipping the browser tests (apt-get install -y chromium)`);
}

describe.skipIf(!baseUrl)('web demo in headless Chromium', () => {
  const url = baseUrl ?? '';
  let manifest: Manifest;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  /** Every URL the page and its model worker requested, in order. */
  const requests: string[] = [];
  /** The WASM page's numbers for test digit 0, for the WebGPU comparison. */
  let wasmFirst: DemoSnapshot;

  beforeAll(async () => {
    manifest = await readManifest();
    browser = await launch();
    // A context of our own (not newPage's), so that a second page can share its HTTP cache.
    page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
    errors = collectErrors(page);
    page.on('request', (request) => requests.push(request.url()));
    await openDemo(page, url);
    await openPanels(page);
    wasmFirst = await snapshot(page);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('loads without console errors and says it fell back to WASM (no WebGPU adapter)', async () => {
    expect(errors).toEqual([]);
    expect(await page.getAttribute('#status', 'data-provider')).toBe('wasm');
    const status = await page.textContent('#status');
    expect(status).toMatch(/^Running on WASM: no WebGPU here \(WebGPU is present but gave no adapter\)/);
    // vite preview sends COOP/COEP, so ort may use threads.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(wasmFirst.provider).toBe('wasm');
    expect(wasmFirst.scatterPoints).toBe(2000);
    await screenshot(page, 'desktop-wasm');
  });

  it('reconstructs test digit 0 as onnxruntime-node does, for every model', async () => {
    const digit = testDigit(0);
    expect(maxAbsDiff(wasmFirst.input, digit)).toBe(0);
    const ids = MODEL_IDS.filter((id) => manifest.models[id]);
    expect(Object.keys(wasmFirst.reconstructions).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      // The same files as the page (float16 where the manifest says so) in onnxruntime-node.
      const expected = await reconstruct(manifest, id, digit);
      const got = wasmFirst.reconstructions[id] ?? [];
      expect(got.length, id).toBe(784);
      expect(maxAbsDiff(got, expected), id).toBeLessThanOrEqual(TOLERANCE);
      // And close to the float32 release (the edge API's numbers), but not the same where it uses float16.
      const float32 = await reconstructFloat32(manifest, id, digit);
      const diff = maxAbsDiff(got, float32);
      expect(diff, id).toBeLessThanOrEqual(FLOAT16_TOLERANCE);
      if (manifest.models[id]?.precision?.browser === 'float16') expect(diff, id).toBeGreaterThan(0);
    }
  });

  it('fetches the float16 variants where the manifest gives the browser float16, never their float32 files', async () => {
    const fetched = requests
      .map((u) => new URL(u).pathname.match(/\/models\/(.+)\.[0-9a-f]{12}\.onnx$/)?.[1])
      .filter((name): name is string => name !== undefined);
    const float16 = MODEL_IDS.filter((id) => manifest.models[id]?.precision?.browser === 'float16');
    // models/ gives every model float16 weights for the browser.
    expect(float16).toEqual(MODEL_IDS.filter((id) => manifest.models[id]));
    for (const id of float16) {
      const variants = (manifest.models[id]?.files ?? []).flatMap((f) => f.variants ?? []);
      expect(variants.length, id).toBeGreaterThan(0);
      const ofModel = fetched.filter((name) => name === id || name.startsWith(`${id}.`));
      expect(ofModel.length, id).toBeGreaterThan(0);
      expect(
        ofModel.every((name) => name.endsWith('.fp16')),
        `${id}: ${ofModel}`,
      ).toBe(true);
    }
  });

  it('fetches each weight file once, and only the files ModelRunner serves from', async () => {
    const runner = new ModelRunner({
      manifest: browserManifest(manifest),
      ort: {} as OrtLike,
      getFile: () => new Uint8Array(0),
    });
    const served = runner.files().map((f) => f.path);
    // models/<name>.<12 hex digits>.onnx: the manifest's name with a content hash.
    const fetched = requests
      .map((u) => new URL(u).pathname.match(/\/models\/(.+)\.[0-9a-f]{12}\.onnx$/)?.[1])
      .filter((name): name is string => name !== undefined)
      .map((name) => `${name}.onnx`);
    expect([...fetched].sort()).toEqual([...served].sort());
    expect(new Set(fetched).size, 'a weight file fetched twice').toBe(fetched.length);
    // The whole-autoencoder files of models that compose (the same weights again) are never fetched.
    for (const id of ['simple', 'sparse', 'deep', 'conv', 'seq2seq', 'vae']) {
      if (manifest.models[id as ModelId]?.files.some((f) => f.role === 'encoder')) {
        expect(fetched).not.toContain(`${id}.onnx`);
      }
    }
    // One ort build, brotli-compressed, once; never the WebGPU build without an adapter.
    const wasm = requests.filter((u) => /\/ort\/ort-wasm-simd-threaded\.[0-9a-f]{12}\.wasm\.br$/.test(u));
    expect(wasm).toHaveLength(1);
    expect(requests.filter((u) => u.includes('.jsep.'))).toEqual([]);
    expect(requests.filter((u) => u.includes('/models/manifest.'))).toHaveLength(1);
  });

  it('runs ort in a worker: the page itself never loads ort or a model', async () => {
    expect(page.workers().some((w) => w.url().includes('model-worker'))).toBe(true);
    const { resources } = await page.evaluate(() => {
      const demo = window.__demo;
      if (!demo) throw new Error('window.__demo is missing');
      return demo.network();
    });
    const onPage = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
    const inWorker = resources.map((r) => r.url).filter((u) => !onPage.includes(u));
    for (const pattern of [/\/assets\/ort\.wasm\.bundle/, /\.wasm\.br$/, /\.onnx$/]) {
      expect(
        onPage.filter((u) => pattern.test(u)),
        String(pattern),
      ).toEqual([]);
      expect(
        inWorker.some((u) => pattern.test(u)),
        String(pattern),
      ).toBe(true);
    }
  });

  it("corrupts the input with modelkit's seeded noise and denoises it as onnxruntime-node does", async () => {
    const digit = testDigit(0);
    expect(wasmFirst.noise).toBe(DENOISE_NOISE_FACTOR);
    const noisy = addGaussianNoise(digit, DENOISE_NOISE_FACTOR, seededRandom(1));
    expect(maxAbsDiff(wasmFirst.noisy, noisy)).toBeLessThan(1e-7);
    const expected = await reconstruct(manifest, 'denoise', noisy);
    expect(maxAbsDiff(wasmFirst.denoised, expected)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('changes every output when a stroke is drawn on the canvas', async () => {
    await page.locator('#pad').scrollIntoViewIfNeeded();
    const box = await page.locator('#pad').boundingBox();
    if (!box) throw new Error('#pad is not visible');
    const at = (fx: number, fy: number) => [box.x + fx * box.width, box.y + fy * box.height] as const;
    // A 7: a bar across the top and a diagonal down.
    await page.mouse.move(...at(0.25, 0.2));
    await page.mouse.down();
    await page.mouse.move(...at(0.75, 0.2), { steps: 8 });
    await page.mouse.move(...at(0.4, 0.85), { steps: 12 });
    await page.mouse.up();
    const after = await snapshot(page);
    expect(await page.textContent('#input-caption')).toBe('Your drawing');
    expect(after.input.reduce((a, b) => a + b, 0)).toBeGreaterThan(20);
    expect(maxAbsDiff(after.input, wasmFirst.input)).toBeGreaterThan(0.5);
    for (const id of Object.keys(wasmFirst.reconstructions) as ModelId[]) {
      // A model whose code died in training (every unit 0 on the whole test set) gives one image
      // whatever the input: the quick-profile sparse model does.
      const test = manifest.models[id]?.metrics.test as { meanCodeActivation?: number } | undefined;
      if ((test?.meanCodeActivation ?? 1) < 1e-3) continue;
      expect(
        maxAbsDiff(after.reconstructions[id] ?? [], wasmFirst.reconstructions[id] ?? []),
        id,
      ).toBeGreaterThan(1e-3);
    }
    await screenshot(page, 'desktop-drawing');

    // Undo takes the stroke away again: an empty canvas is an all-zero input.
    await page.click('#undo');
    expect((await snapshot(page)).input.every((v) => v === 0)).toBe(true);
  });

  it('can pick a test digit with the keyboard', async () => {
    await page.focus('#strip button[data-index="1"]');
    await page.keyboard.press('Enter');
    const after = await snapshot(page);
    expect(maxAbsDiff(after.input, testDigit(1))).toBe(0);
    expect(await page.getAttribute('#strip button[data-index="1"]', 'aria-pressed')).toBe('true');
  });

  it("changes the denoiser's input and output when the noise slider moves", async () => {
    const before = await snapshot(page);
    await page.focus('#noise');
    await page.keyboard.press('End');
    const after = await snapshot(page);
    expect(after.noise).toBe(1);
    expect(await page.textContent('#noise-value')).toBe('1.00');
    expect(maxAbsDiff(after.noisy, before.noisy)).toBeGreaterThan(0.1);
    expect(maxAbsDiff(after.denoised, before.denoised)).toBeGreaterThan(1e-3);
    // Same digit, same seed, stronger noise: the reproducible corruption of modelkit.
    const expected = addGaussianNoise(testDigit(1), 1, seededRandom(1));
    expect(maxAbsDiff(after.noisy, expected)).toBeLessThan(1e-7);
  });

  it('decodes a new digit where the latent plane is clicked, and moves with the arrow keys', async () => {
    const before = await snapshot(page);
    // Mouse coordinates are the viewport's: bring the plane into it first.
    await page.locator('#latent').scrollIntoViewIfNeeded();
    const box = await page.locator('#latent').boundingBox();
    if (!box) throw new Error('#latent is not visible');
    await page.mouse.click(box.x + box.width * 0.85, box.y + box.height * 0.15);
    const clicked = await snapshot(page);
    expect(clicked.latentPoint[0]).toBeGreaterThan(before.latentPoint[0]);
    expect(clicked.latentPoint[1]).toBeGreaterThan(before.latentPoint[1]);
    expect(maxAbsDiff(clicked.decoded, before.decoded)).toBeGreaterThan(1e-3);
    expect(await page.textContent('#decoded-caption')).toMatch(/^z = \(-?\d+\.\d\d, -?\d+\.\d\d\) · wasm \d/);

    await page.focus('#latent');
    await page.keyboard.press('Shift+ArrowLeft');
    const moved = await snapshot(page);
    expect(moved.latentPoint[0]).toBeLessThan(clicked.latentPoint[0]);
    expect(moved.latentPoint[1]).toBeCloseTo(clicked.latentPoint[1], 6);
    await page.locator('#vae-section').screenshot({ path: `${await resultsDir()}vae.png` });
  });

  it("pages the strip past the first screen's 100 digits, fetched once from the worker", async () => {
    for (let i = 0; i < 3; i++) await page.click('#more-digits');
    await expect.poll(() => page.getAttribute('#strip button.pick', 'data-index')).toBe('90');
    await page.click('#strip button[data-index="110"]');
    const after = await snapshot(page);
    expect(maxAbsDiff(after.input, testDigit(110))).toBe(0);
    expect(await page.textContent('#input-caption')).toBe(`Test digit #110 (a ${labelOf(110)})`);
    expect(requests.filter((u) => /\/data\/mnist-test-digits\.[0-9a-f]{12}\.png$/.test(u))).toHaveLength(1);
  });

  it('runs the same calls on the edge API when switched on, showing both latencies', async () => {
    const api = await mockEdgeApi();
    try {
      await page.fill('#edge-url', api.url);
      await page.check('#edge-on');
      await snapshot(page);
      const simpleCard = page.locator('#cards [data-model="simple"]');
      await expect.poll(() => simpleCard.locator('.time').first().textContent()).toMatch(/^wasm \d/);
      expect(await simpleCard.locator('.edge').textContent()).toMatch(
        /^edge [\d.]+ m?s \(server 0\.05 ms\) · Δ /,
      );
      expect(await page.locator('#noise-cards [data-model="denoise"] .edge').textContent()).toMatch(/^edge /);
      expect(await page.textContent('#decoded-caption')).toMatch(/ · edge /);
      expect(api.paths).toEqual(
        expect.arrayContaining([
          '/v1/models/simple/reconstruct',
          '/v1/models/denoise/denoise',
          '/v1/models/vae/decode',
        ]),
      );
      await page.uncheck('#edge-on');
      await snapshot(page);
      expect(errors).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('loads the first screen first, and each other panel when it scrolls into view, saying so', async () => {
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      const phoneErrors = collectErrors(phone);
      const seen: string[] = [];
      phone.on('request', (request) => seen.push(new URL(request.url()).pathname));
      await openDemo(phone, url);
      const first = await snapshot(phone);
      // Everything below the reconstructions waits: nothing of theirs computed, their line says so.
      expect(first.panels).toEqual({ denoising: 'idle', codes: 'idle', vae: 'idle', interpolation: 'idle' });
      expect(Object.keys(first.reconstructions).length).toBeGreaterThan(0);
      expect(first.scatterPoints).toBe(0);
      expect(await phone.textContent('#vae-section .panel-state')).toMatch(
        /^Loads the VAE .* when it scrolls into view\.$/,
      );
      // The first screen's 100 digits, not the 2,000 of the latent scatter.
      expect(seen.filter((p) => /mnist-test-head\.[0-9a-f]{12}\.png$/.test(p))).toHaveLength(1);
      expect(seen.filter((p) => /mnist-test-digits\.[0-9a-f]{12}\.png$/.test(p))).toEqual([]);

      // Record every state the VAE panel goes through, then bring it into view.
      await phone.evaluate(() => {
        const section = document.getElementById('vae-section') as HTMLElement;
        const states: string[] = [];
        new MutationObserver(() => {
          const line = section.querySelector('.panel-state')?.textContent ?? '';
          states.push(`${section.dataset.state} ${section.getAttribute('aria-busy') ?? '-'} ${line}`);
        }).observe(section, { attributes: true, subtree: true, childList: true, characterData: true });
        (window as unknown as { vaeStates: string[] }).vaeStates = states;
      });
      await phone.locator(LAZY_PANELS.vae).scrollIntoViewIfNeeded();
      await phone.waitForFunction(
        () => document.getElementById('vae-section')?.dataset.state === 'ready',
        null,
        {
          timeout: 60_000,
          polling: 100,
        },
      );
      const states = await phone.evaluate(() => (window as unknown as { vaeStates: string[] }).vaeStates);
      expect(
        states.some((s) => /^loading true Loading the VAE \(.* MB\) and 2,000 test digits/.test(s)),
        states.join('\n'),
      ).toBe(true);
      expect(states.at(-1)).toMatch(/^ready - Loaded the VAE .* in \d+\.\d s\.$/);
      const after = await snapshot(phone);
      expect(after.scatterPoints).toBe(2000);
      expect(after.panels.vae).toBe('ready');
      expect(seen.filter((p) => /mnist-test-digits\.[0-9a-f]{12}\.png$/.test(p))).toHaveLength(1);
      expect(phoneErrors).toEqual([]);
    } finally {
      await phone.close();
    }
  });

  it('sends hashed files with immutable caching: a second visit transfers only the HTML', async () => {
    for (const path of ['models/', 'ort/', 'data/', 'assets/']) {
      const file = requests.find((u) => new URL(u).pathname.startsWith(`/${path}`));
      if (!file) throw new Error(`no request under ${path}`);
      const response = await fetch(file, { method: 'HEAD' });
      expect(response.headers.get('cache-control'), file).toBe('public, max-age=31536000, immutable');
    }
    expect((await fetch(url, { method: 'HEAD' })).headers.get('cache-control')).toBe('no-cache');

    // Same browser profile as the page above, so the same HTTP cache: a returning visitor.
    const again = await page.context().newPage();
    try {
      await openDemo(again, url);
      const { resources } = await again.evaluate(() => {
        const demo = window.__demo;
        if (!demo) throw new Error('window.__demo is missing');
        return demo.network();
      });
      expect(resources.length).toBeGreaterThan(10);
      expect(resources.filter((r) => r.transferSize > 0).map((r) => r.url)).toEqual([]);
    } finally {
      await again.close();
    }
  });

  it('fits a phone-sized screen', async () => {
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 1,
      isMobile: true,
      hasTouch: true,
    });
    try {
      const phoneErrors = collectErrors(phone);
      await openDemo(phone, url);
      await snapshot(phone);
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await screenshot(phone, 'phone');
      expect(phoneErrors).toEqual([]);
    } finally {
      await phone.close();
    }
  });

  it('runs on WebGPU where an adapter exists (SwiftShader) and agrees with WASM', async () => {
    const gpuBrowser = await launch(true);
    try {
      const gpuPage = await gpuBrowser.newPage({ viewport: { width: 1100, height: 900 } });
      const gpuErrors = collectErrors(gpuPage);
      // Software WebGPU compiles every shader on the CPU (seconds per model): two models cover
      // Gemm, Relu, Sigmoid, Conv, MaxPool and Resize.
      await openDemo(gpuPage, `${url}?models=simple,conv`, 80_000);
      const gpu = await snapshot(gpuPage);
      expect(gpu.provider).toBe('webgpu');
      expect(await gpuPage.textContent('#status')).toMatch(/^Running on WebGPU \(.*\)/);
      const diffs = Object.fromEntries(
        ['simple', 'conv'].map((id) => [
          id,
          maxAbsDiff(gpu.reconstructions[id] ?? [], wasmFirst.reconstructions[id] ?? []),
        ]),
      );
      console.info(`web-demo: ${gpu.note}; max |webgpu - wasm|: ${JSON.stringify(diffs)}`);
      for (const [id, diff] of Object.entries(diffs)) expect(diff, id).toBeLessThanOrEqual(TOLERANCE);
      expect(gpuErrors).toEqual([]);
      await screenshot(gpuPage, 'desktop-webgpu');
    } finally {
      await gpuBrowser.close();
    }
  });

  it('saves the README screenshot', async () => {
    await page.reload();
    await openDemo(page, url);
    await snapshot(page);
    await screenshot(page, 'desktop-full');
    // The README's picture: the viewport at the top of the page (input, reconstructions, denoising),
    // a third of the size of the whole page; vae.png shows the rest.
    await page.setViewportSize({ width: 1100, height: 1250 });
    await page.evaluate(() => window.scrollTo(0, 0));
    const path = `${await resultsDir()}readme.png`;
    await page.screenshot({ path });
    // docs/web-demo.png is committed: refresh it only when asked, so that test runs leave the tree clean.
    if (!existsSync(DOCS_SCREENSHOT) || process.env.UPDATE_SCREENSHOTS === '1') {
      await mkdir(dirname(DOCS_SCREENSHOT), { recursive: true });
      await copyFile(path, DOCS_SCREENSHOT);
    }
  });
});

async function resultsDir(): Promise<string> {
  const dir = fileURLToPath(new URL('../test-results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * A stand-in for apps/edge-api that answers the routes the shared client calls, with CORS (the page
 * is cross-origin isolated, so cross-origin answers must opt in) and a Server-Timing header.
 */
async function mockEdgeApi(): Promise<{ url: string; paths: string[]; close: () => Promise<void> }> {
  const paths: string[] = [];
  const cors = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Headers': 'content-type, accept',
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Expose-Headers': 'Server-Timing',
  };
  const server: Server = createServer((req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      paths.push(path);
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
        images?: number[][];
        codes?: number[][];
      };
      // Echoes images back and decodes every code to a blank: the page's wiring is under test, not the models.
      const images = body.images ?? (body.codes ?? []).map(() => new Array(784).fill(0));
      res.writeHead(200, {
        ...cors,
        'Content-Type': 'application/json',
        'Server-Timing': 'inference;dur=0.05',
      });
      res.end(JSON.stringify({ model: path.split('/')[3] ?? 'denoise', count: images.length, images }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    paths,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
