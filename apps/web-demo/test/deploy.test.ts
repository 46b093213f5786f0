/**
 * What `pnpm --filter @autoencoders/web-demo run deploy` ships: a production build (here with the
 * edge API's URL given at build time) that `wrangler deploy --dry-run` accepts as Workers static
 * assets, each file within the 25 MiB limit. Needs no browser and no Cloudflare account.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { parseHeaders } from '../scripts/vite-plugin-demo-assets.ts';
import { edgeApiUrl, LOCAL_EDGE_API } from '../src/edge-url.ts';

const run = promisify(execFile);
const appDir = fileURLToPath(new URL('..', import.meta.url));
const EDGE_API = 'https://autoencoders-edge-api.example.workers.dev';
let outDir: string | undefined;

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

it('points the edge switch at ?api=, else VITE_EDGE_API_URL, else the local API', () => {
  const params = (search: string) => new URLSearchParams(search);
  expect(edgeApiUrl(params('?api=https://a.example'), EDGE_API)).toBe('https://a.example');
  expect(edgeApiUrl(params(''), EDGE_API)).toBe(EDGE_API);
  expect(edgeApiUrl(params('?api='), ' ')).toBe(LOCAL_EDGE_API);
  expect(edgeApiUrl(params(''), undefined)).toBe(LOCAL_EDGE_API);
});

it('builds with VITE_EDGE_API_URL as the default API, and wrangler deploy --dry-run accepts the build', async () => {
  outDir = await mkdtemp(join(tmpdir(), 'web-demo-deploy-'));
  await run(join(appDir, 'node_modules/.bin/vite'), ['build', '--outDir', outDir, '--logLevel', 'warn'], {
    cwd: appDir,
    env: { ...process.env, VITE_EDGE_API_URL: EDGE_API },
  });
  const assets = join(outDir, 'assets');
  const scripts = await Promise.all(
    (await readdir(assets)).filter((f) => f.endsWith('.js')).map((f) => readFile(join(assets, f), 'utf8')),
  );
  expect(scripts.some((js) => js.includes(EDGE_API))).toBe(true);

  const { stdout, stderr } = await run(
    join(appDir, 'node_modules/.bin/wrangler'),
    ['deploy', '--dry-run', '--assets', outDir],
    {
      cwd: appDir,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    },
  );
  const log = `${stdout}\n${stderr}`;
  expect(log, log).toMatch(/Read \d+ files from the assets directory/);
  expect(log, log).toContain('--dry-run: exiting now.');
  // A clean clone compresses ort's wasm on the first build (over a minute on two cores; cached after).
}, 300_000);

it("gives every file but the page a content-hashed name, and the build's _headers makes them immutable", async () => {
  const dir = outDir;
  if (!dir) throw new Error('the build above did not run');
  const rules = parseHeaders(await readFile(join(dir, '_headers'), 'utf8'));
  const headersFor = (path: string) =>
    Object.fromEntries(rules.filter((r) => r.pattern.test(path)).flatMap((r) => r.headers));
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((f) => f.isFile())
    .map((f) => `/${join(f.parentPath, f.name).slice(dir.length + 1)}`);
  expect(files).toContain('/index.html');
  for (const path of files) {
    const headers = headersFor(path);
    // Every file is cross-origin isolated, so that ort may use threads.
    expect(headers['Cross-Origin-Embedder-Policy'], path).toBe('require-corp');
    if (path === '/index.html' || path === '/_headers') continue;
    // Vite's `name-<8+ chars>.ext`, or the plugin's `name.<12 hex>.ext`.
    expect(path, 'no content hash in the name').toMatch(
      /([-.][A-Za-z0-9_-]{8,}|\.[0-9a-f]{12})\.[a-z0-9]+(\.br)?$/,
    );
    expect(headers['Cache-Control'], path).toBe('public, max-age=31536000, immutable');
  }
  expect(headersFor('/')['Cache-Control']).toBe('no-cache');
  expect(headersFor('/index.html')['Cache-Control']).toBe('no-cache');
  // 13 of the manifest's 19 files: no whole-autoencoder file where encoder and decoder serve.
  expect(files.filter((f) => f.endsWith('.onnx'))).toHaveLength(13);
  // models/ gives the browser float16 weights for every model: only the variants are deployed.
  expect(files.filter((f) => f.endsWith('.onnx') && !/\.fp16\.[0-9a-f]{12}\.onnx$/.test(f))).toEqual([]);
});
