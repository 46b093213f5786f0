/**
 * The demo page: wires the input (drawing pad, test digits) to every model and draws what they give.
 * Work is split into tasks that rerun when their inputs change; a change that arrives while a task
 * runs makes it run once more afterwards rather than queue up one run per pointer event.
 */
import { type ApiClient, createClient } from '@autoencoders/client';
import {
  addGaussianNoise,
  CATALOG,
  DENOISE_NOISE_FACTOR,
  IMAGE_SIZE,
  type Manifest,
  MODEL_IDS,
  type ModelId,
  maxAbsDiff,
  parseManifest,
  psnr,
  seededRandom,
  toMnistInput,
} from '@autoencoders/modelkit';
import { MANIFEST_FILE, MODELS_DIR } from './asset-paths.ts';
import { digitAt, firstOfEachClass, loadTestDigits } from './digits.ts';
import { DrawPad } from './draw-pad.ts';
import { edgeApiUrl } from './edge-url.ts';
import { LatentPlane, type LatentPoint } from './latent-plane.ts';
import { formatMs, interpolate } from './maths.ts';
import { createRuntime, type ProviderRequest, type Runtime } from './ort-runtime.ts';
import { DIGIT_COLOURS, paintBars, paintCodeMap, paintDigit, paintDigits } from './render.ts';
import { createRunner, SerialRunner, type Timed, timed } from './runner.ts';
import './style.css';

const STRIP_SIZE = 30;
const INTERPOLATION_STEPS = 10;
const MANIFOLD_SIDE = 15;
/** The plain models shown next to the denoiser on the noisy input. */
const PLAIN_ON_NOISE: readonly ModelId[] = ['simple', 'deep', 'conv', 'vae'];

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { dataset?: Record<string, string> } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  const { dataset, ...rest } = props;
  Object.assign(node, rest);
  if (dataset) Object.assign(node.dataset, dataset);
  node.append(...children);
  return node;
}

/** Reruns `work` on request, at most one run at a time; requests during a run coalesce into one more. */
class Task {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  request(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.work();
        } while (this.again);
      } catch (error) {
        this.onError(error);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  get busy(): boolean {
    return this.running !== null;
  }

  /** Waits for the current run (and the reruns it has collected) without asking for another. */
  whenIdle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}

/** A model's output card: the image, its name and loss, and the latest timings. */
interface Card {
  root: HTMLElement;
  canvas: HTMLCanvasElement;
  time: HTMLElement;
  edge: HTMLElement;
}

function card(title: string, subtitle: string, model: string): Card {
  const canvas = el('canvas', { className: 'digit', width: 28, height: 28 });
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `${title}: output`);
  const time = el('span', { className: 'time' });
  const edge = el('span', { className: 'time edge' });
  const root = el(
    'figure',
    { className: 'card', dataset: { model } },
    canvas,
    el('figcaption', {}, el('strong', {}, title), el('span', {}, subtitle), time, edge),
  );
  return { root, canvas, time, edge };
}

function bceOf(manifest: Manifest, id: ModelId): string {
  const test = manifest.models[id]?.metrics.test as { bce?: unknown } | undefined;
  const bce = typeof test?.bce === 'number' ? `BCE ${test.bce.toFixed(3)}` : 'no test loss';
  const post = CATALOG[id].post.testBce;
  return post === undefined ? bce : `${bce} (post ${post})`;
}

/** Numbers the end-to-end tests read back; kept as plain arrays so they survive serialisation. */
export interface DemoSnapshot {
  provider: string;
  note: string;
  threads: number;
  input: number[];
  reconstructions: Record<string, number[]>;
  noise: number;
  noisy: number[];
  denoised: number[];
  latentPoint: LatentPoint;
  decoded: number[];
  scatterPoints: number;
  timings: Record<string, number>;
}

export interface DemoHook {
  /** Resolves once no task is running (call after an interaction). */
  idle(): Promise<void>;
  snapshot(): DemoSnapshot;
  selectDigit(index: number): Promise<void>;
}

declare global {
  interface Window {
    __demo?: DemoHook;
  }
}

async function start(): Promise<void> {
  const status = $('status');
  const params = new URLSearchParams(location.search);
  const epParam = params.get('ep');
  const request: ProviderRequest = epParam === 'wasm' || epParam === 'webgpu' ? epParam : 'auto';
  const baseUrl = new URL(import.meta.env.BASE_URL, location.href).href;
  const modelsUrl = new URL(MODELS_DIR, baseUrl).href;

  const setStatus = (text: string, state: string) => {
    status.textContent = text;
    status.dataset.state = state;
  };

  const t0 = performance.now();
  let runtimeMs = 0;
  const [manifest, digits, initialRuntime] = await Promise.all([
    fetch(new URL(MANIFEST_FILE, modelsUrl)).then(async (r) => {
      if (!r.ok) throw new Error(`${MANIFEST_FILE}: HTTP ${r.status}`);
      return parseManifest(await r.json());
    }),
    loadTestDigits(baseUrl),
    createRuntime(request, baseUrl).then((r) => {
      runtimeMs = performance.now() - t0;
      return r;
    }),
  ]);
  let runtime: Runtime = initialRuntime;
  let runner = new SerialRunner(createRunner(runtime.ort, manifest, modelsUrl, runtime.provider));
  // ?models=simple,conv loads only those: quicker on slow devices (and in the software-WebGPU test).
  const only = params.get('models')?.split(',');
  const ids = MODEL_IDS.filter((id) => manifest.models[id] && (!only || only.includes(id)));
  const serves = (id: ModelId, op: string) =>
    ids.includes(id) && (manifest.models[id]?.operations ?? []).some((o) => o === op);

  // Opening every session up front keeps session creation (and WebGPU shader compilation) out of
  // the timings shown next to each result.
  const warmUp = async () => {
    const blank = new Float32Array(IMAGE_SIZE);
    for (const id of ids) {
      if (serves(id, 'reconstruct')) await runner.reconstruct(id, blank);
      if (serves(id, 'denoise')) await runner.denoise(blank);
    }
    for (const id of ['simple', 'sparse', 'conv', 'vae'] as const)
      if (serves(id, 'encode')) await runner.encode(id, blank);
    if (serves('vae', 'decode')) await runner.decode('vae', new Float32Array(2));
  };
  try {
    await warmUp();
  } catch (error) {
    if (runtime.provider !== 'webgpu') throw error;
    // The WebGPU build of ort also carries the WASM provider: fall back without reloading it.
    runtime = { ...runtime, provider: 'wasm', adapter: null, note: `WASM: WebGPU failed (${String(error)})` };
    runner = new SerialRunner(createRunner(runtime.ort, manifest, modelsUrl, 'wasm'));
    await warmUp();
  }
  const loadMs = performance.now() - t0;
  setStatus(
    `Running on ${runtime.note} · ${runtime.threads} WASM thread${runtime.threads === 1 ? '' : 's'}` +
      `${crossOriginIsolated ? '' : ' (not cross-origin isolated)'} · runtime loaded in ${formatMs(runtimeMs)}, ` +
      `${ids.length} models ready in ${formatMs(loadMs - runtimeMs)}`,
    'ready',
  );
  status.dataset.provider = runtime.provider;
  document.documentElement.dataset.provider = runtime.provider;

  // ---- state -------------------------------------------------------------------------------
  let input: Float32Array = new Float32Array(IMAGE_SIZE);
  let noiseSeed = 1;
  let edge: ApiClient | null = null;
  const snapshot: DemoSnapshot = {
    provider: runtime.provider,
    note: runtime.note,
    threads: runtime.threads,
    input: [],
    reconstructions: {},
    noise: 0.5,
    noisy: [],
    denoised: [],
    latentPoint: [0, 0],
    decoded: [],
    scatterPoints: 0,
    timings: { 'setup.runtime': runtimeMs, 'setup.models': loadMs - runtimeMs },
  };
  const record = (key: string, t: Timed<unknown>) => {
    snapshot.timings[key] = t.ms;
  };
  const showError = (error: unknown) => {
    console.error(error);
    setStatus(`Error: ${error instanceof Error ? error.message : String(error)}`, 'error');
  };

  // ---- input -----------------------------------------------------------------------------------
  const preview = $<HTMLCanvasElement>('input-preview');
  const pad = new DrawPad($<HTMLCanvasElement>('pad'), () => {
    const image = pad.imageData();
    input = toMnistInput({ width: image.width, height: image.height, data: image.data });
    $('pad-hint').hidden = !pad.isEmpty;
    markPicked(null);
    void setInput(input, pad.isEmpty ? 'Your drawing (empty)' : 'Your drawing');
  });
  $('undo').addEventListener('click', () => pad.undo());
  $('clear').addEventListener('click', () => pad.clear());

  const strip = $('strip');
  let stripStart = 0;
  const renderStrip = () => {
    strip.replaceChildren();
    for (let i = stripStart; i < Math.min(digits.count, stripStart + STRIP_SIZE); i++) {
      const canvas = el('canvas', { className: 'digit', width: 28, height: 28 });
      paintDigit(canvas, digitAt(digits, i));
      const button = el(
        'button',
        { type: 'button', className: 'pick', dataset: { index: String(i) } },
        canvas,
      );
      button.setAttribute('aria-label', `Test digit #${i}, a ${digits.labels[i]}`);
      button.setAttribute('aria-pressed', 'false');
      button.addEventListener('click', () => selectDigit(i));
      strip.append(button);
    }
  };
  $('more-digits').addEventListener('click', () => {
    stripStart = (stripStart + STRIP_SIZE) % digits.count;
    renderStrip();
  });

  const markPicked = (i: number | null) => {
    for (const b of strip.querySelectorAll<HTMLButtonElement>('button.pick')) {
      b.setAttribute('aria-pressed', String(b.dataset.index === String(i)));
    }
  };
  const selectDigit = (i: number) => {
    markPicked(i);
    // The pad would otherwise show a drawing that is no longer the input.
    pad.reset();
    $('pad-hint').hidden = false;
    return setInput(digitAt(digits, i).slice(), `Test digit #${i} (a ${digits.labels[i]})`);
  };

  function setInput(x: Float32Array, caption: string): Promise<void> {
    input = x;
    $('input-caption').textContent = caption;
    paintDigit(preview, input);
    snapshot.input = Array.from(input);
    return Promise.all([reconstructTask.request(), noiseTask.request(), interpTask.request()]).then(
      () => undefined,
    );
  }

  // ---- reconstructions and codes --------------------------------------------------------------
  const cards = new Map<ModelId, Card>();
  for (const id of ids) {
    const c = card(id, bceOf(manifest, id), id);
    c.canvas.setAttribute('aria-label', `${id} (${manifest.models[id]?.title}): reconstruction`);
    cards.set(id, c);
    $('cards').append(c.root);
  }
  const plane = new LatentPlane($<HTMLCanvasElement>('latent'), (z) => {
    snapshot.latentPoint = z;
    void latentTask.request();
  });

  const reconstructTask = new Task(async () => {
    const x = input;
    for (const id of ids) {
      const c = cards.get(id);
      if (!c) continue;
      const out = serves(id, 'reconstruct') ? await runner.reconstruct(id, x) : await runner.denoise(x);
      record(`reconstruct.${id}`, out);
      paintDigit(c.canvas, out.value.data);
      c.time.textContent = `${runtime.provider} ${formatMs(out.ms)}`;
      snapshot.reconstructions[id] = Array.from(out.value.data);
      if (edge) {
        const client = edge;
        await edgeCall(c.edge, out.value.data, () =>
          serves(id, 'reconstruct') ? client.reconstruct(id, x) : client.denoise(x),
        );
      } else c.edge.textContent = '';
    }
    await showCodes(x);
  }, showError);

  for (const id of ['simple', 'sparse', 'conv'] as const) {
    const figure = $(`code-${id}`).closest('figure');
    if (figure) figure.hidden = !serves(id, 'encode');
  }

  async function showCodes(x: Float32Array) {
    const codes: Partial<Record<'simple' | 'sparse', Float32Array>> = {};
    for (const id of ['simple', 'sparse'] as const) {
      if (!serves(id, 'encode')) continue;
      const out = await runner.encode(id, x);
      record(`encode.${id}`, out);
      const code = out.value.code?.data;
      if (code) codes[id] = code;
    }
    const scale = Math.max(1e-6, ...Object.values(codes).flatMap((c) => Array.from(c)));
    for (const [id, code] of Object.entries(codes)) {
      paintBars($<HTMLCanvasElement>(`code-${id}`), code, scale);
      const mean = code.reduce((a, b) => a + b, 0) / code.length;
      $(`code-${id}-caption`).textContent =
        `${id}: 32 values, mean ${mean.toFixed(2)}, max ${Math.max(...code).toFixed(2)}` +
        (id === 'sparse' ? ' (same scale as simple)' : '');
    }
    if (serves('conv', 'encode')) {
      const out = await runner.encode('conv', x);
      const code = out.value.code;
      if (code) {
        // [1, 4, 4, 8] (height, width, channels), read row by row as the post's 4×32 picture.
        paintCodeMap($<HTMLCanvasElement>('code-conv'), code.data, 32, 4);
        $('code-conv-caption').textContent = `conv: 4×4×8 as 4×32, ${formatMs(out.ms)}`;
      }
    }
    if (serves('vae', 'encode')) {
      const out = await runner.encode('vae', x);
      const z = out.value.z_mean?.data;
      if (z) plane.setMarker([z[0] as number, z[1] as number]);
    }
  }

  /**
   * Makes the same call on the edge API and shows its latency (round trip, and the server's own
   * inference time from Server-Timing) and how far its result is from the local one.
   */
  async function edgeCall(
    target: HTMLElement,
    local: Float32Array,
    call: () => Promise<{ images: Float32Array[]; inferenceMs?: number }>,
  ) {
    try {
      const out = await timed(call);
      const image = out.value.images[0] ?? new Float32Array(0);
      const server =
        out.value.inferenceMs === undefined ? '' : ` (server ${formatMs(out.value.inferenceMs)})`;
      target.textContent = `edge ${formatMs(out.ms)}${server} · Δ ${maxAbsDiff(image, local).toExponential(0)}`;
      edgeStatus.textContent = `Calling ${edge?.baseUrl}: each result shows the local and the edge latency.`;
    } catch (error) {
      target.textContent = 'edge failed';
      edgeStatus.textContent =
        error instanceof TypeError
          ? `Cannot reach ${edge?.baseUrl} (${error.message}): is the edge API running, and does it allow this origin (CORS)?`
          : String(error instanceof Error ? error.message : error);
    }
  }

  // ---- noise ----------------------------------------------------------------------------------------
  const noiseInput = $<HTMLInputElement>('noise');
  noiseInput.value = String(DENOISE_NOISE_FACTOR);
  $('noise-value').textContent = DENOISE_NOISE_FACTOR.toFixed(2);
  const noiseCards = new Map<string, Card>();
  const noisyCard = card('noisy input', 'what the models get', 'noisy');
  noiseCards.set('noisy', noisyCard);
  const denoiseCard = card(
    'denoise',
    manifest.models.denoise ? bceOf(manifest, 'denoise') : 'missing',
    'denoise',
  );
  if (serves('denoise', 'denoise')) noiseCards.set('denoise', denoiseCard);
  for (const id of PLAIN_ON_NOISE.filter((m) => serves(m, 'reconstruct'))) {
    noiseCards.set(id, card(id, 'not trained on noise', id));
  }
  for (const c of noiseCards.values()) $('noise-cards').append(c.root);

  const noiseTask = new Task(async () => {
    const x = input;
    const factor = Number(noiseInput.value);
    const noisy = addGaussianNoise(x, factor, seededRandom(noiseSeed));
    snapshot.noise = factor;
    snapshot.noisy = Array.from(noisy);
    paintDigit(noisyCard.canvas, noisy);
    noisyCard.time.textContent = `PSNR ${formatDb(psnr(x, noisy))}`;
    if (serves('denoise', 'denoise')) {
      const out = await runner.denoise(noisy);
      record('denoise', out);
      paintDigit(denoiseCard.canvas, out.value.data);
      denoiseCard.time.textContent = `${runtime.provider} ${formatMs(out.ms)} · PSNR ${formatDb(psnr(x, out.value.data))}`;
      snapshot.denoised = Array.from(out.value.data);
      if (edge) {
        const client = edge;
        await edgeCall(denoiseCard.edge, out.value.data, () => client.denoise(noisy));
      } else denoiseCard.edge.textContent = '';
    }
    for (const id of PLAIN_ON_NOISE) {
      const c = noiseCards.get(id);
      if (!c) continue;
      const out = await runner.reconstruct(id, noisy);
      paintDigit(c.canvas, out.value.data);
      c.time.textContent = `${formatMs(out.ms)} · PSNR ${formatDb(psnr(x, out.value.data))}`;
    }
  }, showError);
  noiseInput.addEventListener('input', () => {
    $('noise-value').textContent = Number(noiseInput.value).toFixed(2);
    void noiseTask.request();
  });
  $('reseed').addEventListener('click', () => {
    noiseSeed++;
    void noiseTask.request();
  });

  // ---- the VAE ------------------------------------------------------------------------------------
  $('vae-section').hidden = !serves('vae', 'decode');
  const decodedCanvas = $<HTMLCanvasElement>('decoded');
  const latentTask = new Task(async () => {
    if (!serves('vae', 'decode')) return;
    const z = plane.pickedPoint;
    const out = await runner.decode('vae', Float32Array.from(z));
    record('decode.vae', out);
    paintDigit(decodedCanvas, out.value.data);
    snapshot.decoded = Array.from(out.value.data);
    let text = `z = (${z[0].toFixed(2)}, ${z[1].toFixed(2)}) · ${runtime.provider} ${formatMs(out.ms)}`;
    if (edge) {
      const client = edge;
      const span = el('span');
      await edgeCall(span, out.value.data, () => client.decode('vae', [z]));
      text += ` · ${span.textContent}`;
    }
    $('decoded-caption').textContent = text;
  }, showError);

  $('legend').replaceChildren(
    ...DIGIT_COLOURS.map((colour, digit) => {
      const chip = el('i');
      chip.style.background = colour;
      return el('span', { className: 'swatch' }, chip, String(digit));
    }),
  );

  const scatter = async () => {
    if (!serves('vae', 'encode')) return;
    const out = await runner.encode('vae', digits.images);
    const z = out.value.z_mean?.data;
    if (!z) return;
    plane.setPoints(z, digits.labels);
    snapshot.scatterPoints = digits.count;
    $('latent-caption').textContent =
      `${digits.count} MNIST test digits' z_mean, coloured by digit (encoded in ${formatMs(out.ms)}); ring: the input.`;
  };

  const manifold = async () => {
    if (!serves('vae', 'manifold')) return;
    const out = await runner.manifold(MANIFOLD_SIDE);
    record('manifold', out);
    paintDigits($<HTMLCanvasElement>('manifold'), out.value.images.data, MANIFOLD_SIDE, MANIFOLD_SIDE);
    $('manifold-caption').textContent =
      `${MANIFOLD_SIDE * MANIFOLD_SIDE} points from the 5th to the 95th percentile of N(0, 1) on each axis, ` +
      `z₂ upwards; decoded in one batch in ${formatMs(out.ms)}.`;
  };

  // ---- interpolation ----------------------------------------------------------------------------------
  const fromSelect = $<HTMLSelectElement>('interp-from');
  const toSelect = $<HTMLSelectElement>('interp-to');
  const ends = firstOfEachClass(digits).filter((i) => i >= 0);
  for (const select of [fromSelect, toSelect]) {
    select.append(el('option', { value: 'input', textContent: 'the current input' }));
    for (const i of ends) {
      select.append(el('option', { value: String(i), textContent: `a ${digits.labels[i]} (test #${i})` }));
    }
  }
  fromSelect.value = 'input';
  toSelect.value = String(ends[0] ?? 0);
  const interpTask = new Task(async () => {
    if (!serves('vae', 'encode') || !serves('vae', 'decode')) return;
    const image = (value: string) => (value === 'input' ? input : digitAt(digits, Number(value)));
    const both = new Float32Array(2 * IMAGE_SIZE);
    both.set(image(fromSelect.value), 0);
    both.set(image(toSelect.value), IMAGE_SIZE);
    const z = (await runner.encode('vae', both)).value.z_mean?.data;
    if (!z) return;
    const path = interpolate(
      [z[0] as number, z[1] as number],
      [z[2] as number, z[3] as number],
      INTERPOLATION_STEPS,
    );
    const out = await runner.decode('vae', path);
    paintDigits($<HTMLCanvasElement>('interp'), out.value.data, 1, INTERPOLATION_STEPS);
    const label = (s: HTMLSelectElement) => s.selectedOptions[0]?.textContent ?? '';
    $('interp-caption').textContent =
      `${INTERPOLATION_STEPS} steps from ${label(fromSelect)} to ${label(toSelect)}, decoded in ${formatMs(out.ms)}.`;
  }, showError);
  fromSelect.addEventListener('change', () => void interpTask.request());
  toSelect.addEventListener('change', () => void interpTask.request());

  // ---- edge API -------------------------------------------------------------------------------------
  const edgeOn = $<HTMLInputElement>('edge-on');
  const edgeUrl = $<HTMLInputElement>('edge-url');
  const edgeStatus = $('edge-status');
  edgeUrl.value = edgeApiUrl(params);
  const updateEdge = () => {
    edge = edgeOn.checked && edgeUrl.value ? createClient(edgeUrl.value) : null;
    edgeStatus.textContent = edge ? `Calling ${edge.baseUrl}…` : 'Off: everything runs in this page.';
    void reconstructTask.request();
    void noiseTask.request();
    void latentTask.request();
  };
  edgeOn.addEventListener('change', updateEdge);
  edgeUrl.addEventListener('change', updateEdge);

  const m = manifest;
  $('provenance').textContent =
    `Models exported ${m.createdAt.slice(0, 10)} by ${m.generator.name} ${m.generator.version}; ` +
    `trained with “${m.models.simple?.provenance.command ?? 'unknown command'}” on ${m.models.simple?.provenance.dataset ?? 'unknown data'}. ` +
    `Test digits: ${digits.source}.`;

  // ---- first render --------------------------------------------------------------------------------
  renderStrip();
  await selectDigit(0);
  await latentTask.request();
  await scatter();
  await manifold();

  const tasks = [reconstructTask, noiseTask, latentTask, interpTask];
  window.__demo = {
    async idle() {
      // One task's run can start another's (the edge switch starts three): wait until all rest.
      while (tasks.some((t) => t.busy)) await Promise.all(tasks.map((t) => t.whenIdle()));
    },
    snapshot: () => structuredClone(snapshot),
    selectDigit: (i) => selectDigit(i),
  };
  document.body.dataset.ready = 'true';
}

function formatDb(db: number): string {
  return Number.isFinite(db) ? `${db.toFixed(1)} dB` : '∞ dB';
}

start().catch((error: unknown) => {
  console.error(error);
  const status = document.getElementById('status');
  if (status) {
    status.textContent = `The demo could not start: ${error instanceof Error ? error.message : String(error)}`;
    status.dataset.state = 'error';
  }
});
