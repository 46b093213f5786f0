/**
 * The demo page: lays out the first screen at once, starts the model worker (which downloads and
 * compiles onnxruntime-web off this thread), and mounts one module per panel over a small shared
 * state (src/state.ts). The first screen (input and reconstructions) loads first; every other panel
 * loads when it comes into view (src/lazy.ts).
 */

import assets from 'virtual:demo-assets';
import { browserManifest, MODEL_IDS, parseManifest } from '@autoencoders/modelkit';
import { TestDigits } from './digits.ts';
import { $, formatBytes, formatMs } from './dom.ts';
import { lazyPanel } from './lazy.ts';
import { ModelClient } from './model-client.ts';
import { mountCodes } from './panels/codes.ts';
import { mountDenoising } from './panels/denoising.ts';
import { mountEdge } from './panels/edge.ts';
import { mountInput } from './panels/input.ts';
import { mountInterpolation } from './panels/interpolation.ts';
import { layOutReconstructions, mountReconstructions } from './panels/reconstructions.ts';
import { mountVae } from './panels/vae.ts';
import { DemoState, MARKS } from './state.ts';
import { type ProviderRequest, resourcesOf } from './worker/protocol.ts';
import './style.css';

/**
 * Lets the browser paint and handle input before the next step of start-up: each step stays a short
 * task rather than one long one that would block a tap (Total Blocking Time counts every task's
 * time past 50 ms).
 */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function setStatus(text: string, state: string): void {
  const status = $('status');
  status.textContent = text;
  status.dataset.state = state;
}

function showError(error: unknown): void {
  console.error(error);
  setStatus(`Error: ${error instanceof Error ? error.message : String(error)}`, 'error');
}

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const epParam = params.get('ep');
  const request: ProviderRequest = epParam === 'wasm' || epParam === 'webgpu' ? epParam : 'auto';
  const baseUrl = new URL(import.meta.env.BASE_URL, location.href).href;
  // ?models=simple,conv loads only those: quicker on slow devices (and in the software-WebGPU test).
  const only = params.get('models')?.split(',') ?? null;
  const cards = layOutReconstructions(only);

  const t0 = performance.now();
  const models = new ModelClient();
  const ortBytes = assets.ort.wasm.bytes;
  setStatus(
    `Loading the runtime${ortBytes ? ` (${formatBytes(ortBytes)})` : ''} and the first model…`,
    'loading',
  );
  const runtime = models.start(request, baseUrl, assets).then((r) => ({ ...r, ms: performance.now() - t0 }));
  // Awaited below; until then a failure must not surface as an unhandled rejection (a console error).
  runtime.catch(() => undefined);
  const [manifest, digits] = await Promise.all([
    fetch(new URL(assets.manifest, baseUrl)).then(async (r) => {
      if (!r.ok) throw new Error(`${assets.manifest}: HTTP ${r.status}`);
      // The files the browser runs: float16 variants where the exporter kept them (see modelkit).
      return browserManifest(parseManifest(await r.json()));
    }),
    TestDigits.load(assets.digits, baseUrl),
  ]);
  await models.setManifest(manifest);
  await nextTask();
  const ids = MODEL_IDS.filter((id) => manifest.models[id] && (!only || only.includes(id)));
  const state = new DemoState(manifest, assets, models, digits, ids, showError);

  const input = mountInput(state);
  mountEdge(state, params);
  await nextTask();
  const firstScreen = mountReconstructions(state, cards);
  window.__demo = {
    idle: () => state.idle(),
    snapshot: () => structuredClone(state.snapshot),
    selectDigit: (i) => input.selectDigit(i),
    network: async () => ({
      resources: [...resourcesOf(performance), ...(await models.resources())],
      marks: Object.fromEntries(
        performance.getEntriesByType('mark').map((m) => [m.name, performance.timeOrigin + m.startTime]),
      ),
    }),
  };

  for (const [name, section, panel] of [
    ['denoising', 'noise-section', mountDenoising(state)],
    ['codes', 'codes-section', mountCodes(state)],
    ['vae', 'vae-section', mountVae(state)],
    ['interpolation', 'interp-section', mountInterpolation(state)],
  ] as const) {
    lazyPanel(state, { name, section: $(section), after: firstScreen.first, ...panel });
  }

  await nextTask();
  $('provenance').textContent =
    `Models exported ${manifest.createdAt.slice(0, 10)} by ${manifest.generator.name} ${manifest.generator.version}; ` +
    `trained with “${manifest.models.simple?.provenance.command ?? 'unknown command'}” on ${manifest.models.simple?.provenance.dataset ?? 'unknown data'}. ` +
    `Test digits: ${digits.source}.`;

  void input.selectDigit(0);
  const rt = await runtime;
  state.record('setup.runtime', rt.ms);
  setStatus(`Runtime loaded in ${formatMs(rt.ms)}; loading the models…`, 'loading');
  await firstScreen.first;
  performance.mark(MARKS.firstReconstruction);
  await firstScreen.all;
  performance.mark(MARKS.reconstructions);
  const modelsMs = performance.now() - t0 - rt.ms;
  state.record('setup.models', modelsMs);
  const now = state.runtime;
  setStatus(
    `Running on ${now.note} · ${now.threads} WASM thread${now.threads === 1 ? '' : 's'} · ` +
      `runtime loaded in ${formatMs(rt.ms)}, ${ids.length} models ready ${formatMs(modelsMs)} later`,
    'ready',
  );
  $('status').dataset.provider = now.provider;
  document.documentElement.dataset.provider = now.provider;
  await state.idle();
  document.body.dataset.ready = 'true';
}

start().catch((error: unknown) => {
  console.error(error);
  setStatus(`The demo could not start: ${error instanceof Error ? error.message : String(error)}`, 'error');
});
