/**
 * Times the fast wasm gradient kernels against the shipped ones (and the cpu backend where wasm has
 * none), then one full training step of the conv autoencoder and of the denoiser at batch 128, before
 * and after, and profiles the step.
 *
 *   pnpm --filter @autoencoders/tfjs-wasm-kernels bench --  [--runs 20] [--steps 10] [--skip-kernels] [--cpu-clock] [--threads 2]
 *
 * Times are medians of wall-clock time per call. On a machine shared with other jobs wall time counts
 * every preemption, so the load average is printed before and after; --cpu-clock times the process's
 * CPU time instead, which is steadier under load but sums all threads (only comparable to wall time
 * when the backend runs one thread: `--threads 1 --cpu-clock` gives the steadiest numbers on a busy
 * machine). Steps are reported in both.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  type BackendWasm,
  getThreadsCount,
  setThreadsCount,
  setWasmPaths,
} from '@tensorflow/tfjs-backend-wasm';
import {
  chooseFilterGradStrategy,
  conv2DBackpropFilterWith,
  filterGradInfo,
} from '../src/conv2d-backprop-filter.ts';
import { chooseInputGradStrategy, inputGradInfo } from '../src/conv2d-backprop-input.ts';
import { register, unregister } from '../src/register.ts';
import { simdKernels } from '../src/simd.ts';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const RUNS = flag('--runs', 20);
const STEPS = flag('--steps', 10);
const BATCH = 128;
type Clock = 'cpu' | 'wall';
const CLOCK: Clock = argv.includes('--cpu-clock') ? 'cpu' : 'wall';

function now(clock: Clock = CLOCK): number {
  if (clock === 'wall') return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const require = createRequire(import.meta.url);
setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`);
setThreadsCount(flag('--threads', 2));
await tf.setBackend('cpu');
await tf.setBackend('wasm');
await tf.ready();
const wasm = tf.backend() as BackendWasm;
const cpu = tf.findBackend('cpu') as tf.KernelBackend;

const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? Number.NaN;
}

function timeMs(f: () => void, runs: number, warmup = 3, clock: Clock = CLOCK): number {
  for (let i = 0; i < warmup; i++) f();
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = now(clock);
    f();
    ts.push(now(clock) - t0);
  }
  return median(ts);
}

/**
 * Median time of `call` on fresh copies of `inputs`. In training every dy, activation and weight is a
 * new tensor each step, and the wasm backend caches XNNPACK operators (with their packed weights) by
 * tensor id, so timing repeated calls on the same tensors would hide the packing cost.
 */
function timeFresh(
  inputs: tf.NamedTensorInfoMap,
  call: (fresh: tf.NamedTensorInfoMap) => void,
  runs: number,
): number {
  // A real copy: Identity shares storage once the fast kernels are registered.
  const copy = (): tf.NamedTensorInfoMap => {
    const out: tf.NamedTensorInfoMap = {};
    for (const [name, t] of Object.entries(inputs)) {
      if (t === undefined) continue;
      const c = wasm.makeOutput(t.shape, t.dtype);
      wasm.typedArrayFromHeap(c).set(wasm.typedArrayFromHeap(t));
      out[name] = c;
    }
    return out;
  };
  const ts: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const fresh = copy();
    const t0 = now();
    call(fresh);
    const dt = now() - t0;
    for (const t of Object.values(fresh)) if (t !== undefined) wasm.disposeData(t.dataId);
    if (i >= 3) ts.push(dt);
  }
  return median(ts);
}

type Row = [string, string, string, number, number | null, string];
const rows: Row[] = [];

function kernelOf(name: string, backend: string): tf.KernelFunc {
  const k = tf.getKernel(name, backend);
  if (k === undefined) throw new Error(`${name} is not registered for ${backend}`);
  return k.kernelFunc;
}

/** Runs a kernel function and frees its output on the backend that made it. */
function once(
  func: tf.KernelFunc,
  backend: tf.KernelBackend,
  inputs: tf.NamedTensorInfoMap,
  attrs: object,
): void {
  const out = func({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  for (const t of Array.isArray(out) ? out : [out]) backend.disposeData(t.dataId);
}

const CONVS: { model: string; h: number; ci: number; co: number; pad: 'same' | 'valid'; needsDx: boolean }[] =
  [
    { model: 'conv', h: 28, ci: 1, co: 16, pad: 'same', needsDx: false },
    { model: 'conv', h: 14, ci: 16, co: 8, pad: 'same', needsDx: true },
    { model: 'conv', h: 7, ci: 8, co: 8, pad: 'same', needsDx: true },
    { model: 'conv', h: 4, ci: 8, co: 8, pad: 'same', needsDx: true },
    { model: 'conv', h: 8, ci: 8, co: 8, pad: 'same', needsDx: true },
    { model: 'conv', h: 16, ci: 8, co: 16, pad: 'valid', needsDx: true },
    { model: 'conv', h: 28, ci: 16, co: 1, pad: 'same', needsDx: true },
    { model: 'denoise', h: 28, ci: 1, co: 32, pad: 'same', needsDx: false },
    { model: 'denoise', h: 14, ci: 32, co: 32, pad: 'same', needsDx: true },
    { model: 'denoise', h: 7, ci: 32, co: 32, pad: 'same', needsDx: true },
    { model: 'denoise', h: 28, ci: 32, co: 1, pad: 'same', needsDx: true },
  ];

function benchKernels(shipped: Map<string, tf.KernelFunc>): void {
  const fast = (name: string) => kernelOf(name, 'wasm');
  for (const c of CONVS) {
    const ho = c.pad === 'same' ? c.h : c.h - 2;
    const xShape: [number, number, number, number] = [BATCH, c.h, c.h, c.ci];
    const fShape: [number, number, number, number] = [3, 3, c.ci, c.co];
    const dyShape = [BATCH, ho, ho, c.co];
    const x = tf.randomUniform(xShape);
    const w = tf.randomUniform(fShape);
    const dy = tf.randomUniform(dyShape);
    const base = { strides: 1, pad: c.pad, dataFormat: 'NHWC' as const };
    const shape = `${c.model} ${c.h}x${c.h} ${c.ci}->${c.co} ${c.pad}`;

    const fAttrs = { ...base, filterShape: fShape };
    const strategy = chooseFilterGradStrategy(
      x,
      dy,
      filterGradInfo(x, dy, fAttrs),
      simdKernels(wasm) !== undefined,
    );
    const tFast = timeFresh({ x, dy }, (i) => once(fast('Conv2DBackpropFilter'), wasm, i, fAttrs), RUNS);
    // The cpu kernel is linear in the batch and takes seconds at 128: time batch 16 and scale.
    const cpuBatch = 16;
    const xCpuShape = [cpuBatch, ...xShape.slice(1)];
    const dyCpuShape = [cpuBatch, ...dyShape.slice(1)];
    const xCpu = {
      dataId: cpu.write((x.dataSync() as Float32Array).slice(0, sizeOf(xCpuShape)), xCpuShape, 'float32'),
      shape: xCpuShape,
      dtype: 'float32' as const,
    };
    const dyCpu = {
      dataId: cpu.write((dy.dataSync() as Float32Array).slice(0, sizeOf(dyCpuShape)), dyCpuShape, 'float32'),
      shape: dyCpuShape,
      dtype: 'float32' as const,
    };
    const tCpu =
      (BATCH / cpuBatch) *
      timeMs(() => once(kernelOf('Conv2DBackpropFilter', 'cpu'), cpu, { x: xCpu, dy: dyCpu }, fAttrs), 3, 1);
    cpu.disposeData(xCpu.dataId);
    cpu.disposeData(dyCpu.dataId);
    rows.push(['Conv2DBackpropFilter', shape, strategy, tFast, tCpu, 'cpu backend (batch 16 x8)']);
    const tConvStrategy = timeFresh(
      { x, dy },
      (i) => {
        const xi = i.x as tf.TensorInfo;
        const dyi = i.dy as tf.TensorInfo;
        const out = conv2DBackpropFilterWith('conv', wasm, xi, dyi, filterGradInfo(xi, dyi, fAttrs));
        wasm.disposeData(out.dataId);
      },
      RUNS,
    );
    rows.push(['  (field-notes conv formulation)', shape, 'conv', tConvStrategy, null, '']);

    if (c.needsDx) {
      const iAttrs = { ...base, inputShape: xShape };
      const iStrategy = chooseInputGradStrategy(dy, w, inputGradInfo(dy, w, iAttrs));
      const shippedInput = shipped.get('Conv2DBackpropInput');
      const tIn = timeFresh(
        { dy, filter: w },
        (i) => once(fast('Conv2DBackpropInput'), wasm, i, iAttrs),
        RUNS,
      );
      const tInShipped =
        shippedInput === undefined
          ? null
          : timeFresh({ dy, filter: w }, (i) => once(shippedInput, wasm, i, iAttrs), RUNS);
      rows.push(['Conv2DBackpropInput', shape, iStrategy, tIn, tInShipped, 'shipped wasm']);
    }
    const tFwd = timeFresh(
      { x, filter: w },
      (i) => once(kernelOf('Conv2D', 'wasm'), wasm, i, { ...base, dilations: 1 }),
      RUNS,
    );
    rows.push(['  (forward Conv2D, for scale)', shape, '', tFwd, null, '']);
    tf.dispose([x, w, dy]);
  }

  const pools: [string, number, number][] = [
    ['conv', 28, 16],
    ['conv', 14, 8],
    ['conv', 7, 8],
    ['denoise', 28, 32],
    ['denoise', 14, 32],
  ];
  for (const [model, h, c] of pools) {
    const x = tf.randomUniform([BATCH, h, h, c]);
    const y = tf.maxPool(x as tf.Tensor4D, 2, 2, 'same');
    const dy = tf.randomUniform(y.shape);
    const attrs = { filterSize: 2, strides: 2, pad: 'same' };
    const inputs = { dy, input: x, output: y };
    const tFast = timeFresh(inputs, (i) => once(fast('MaxPoolGrad'), wasm, i, attrs), RUNS);
    const s = shipped.get('MaxPoolGrad');
    const tShipped = s === undefined ? null : timeFresh(inputs, (i) => once(s, wasm, i, attrs), RUNS);
    rows.push(['MaxPoolGrad', `${model} ${h}x${h}x${c} 2x2 s2 same`, 'js', tFast, tShipped, 'shipped wasm']);
    tf.dispose([x, y, dy]);
  }

  const ups: [string, number, number][] = [
    ['conv', 4, 8],
    ['conv', 8, 8],
    ['conv', 14, 16],
    ['denoise', 7, 32],
    ['denoise', 14, 32],
  ];
  for (const [model, h, c] of ups) {
    const images = tf.randomUniform([BATCH, h, h, c]);
    const dy = tf.randomUniform([BATCH, 2 * h, 2 * h, c]);
    const attrs = { alignCorners: false, halfPixelCenters: false, size: [2 * h, 2 * h] };
    const tFast = timeFresh(
      { images, dy },
      (i) => once(fast('ResizeNearestNeighborGrad'), wasm, i, attrs),
      RUNS,
    );
    const s = shipped.get('ResizeNearestNeighborGrad');
    const tShipped = s === undefined ? null : timeFresh({ images, dy }, (i) => once(s, wasm, i, attrs), RUNS);
    rows.push([
      'ResizeNearestNeighborGrad',
      `${model} ${h}x${h}x${c} -> ${2 * h}`,
      'js',
      tFast,
      tShipped,
      'shipped wasm',
    ]);
    tf.dispose([images, dy]);
  }

  const head: Row = ['kernel', 'shape (batch 128)', 'path', 0, 0, 'baseline'];
  const widths = [34, 30, 12];
  console.log(
    `\n${head[0].padEnd(widths[0] ?? 0)}${head[1].padEnd(widths[1] ?? 0)}${head[2].padEnd(widths[2] ?? 0)}${'fast ms'.padStart(9)}${'base ms'.padStart(10)}${'speed-up'.padStart(10)}  baseline`,
  );
  for (const [k, s, p, t, b, bl] of rows) {
    const base = b === null ? '' : b.toFixed(2);
    const sp = b === null ? '' : `${(b / t).toFixed(1)}x`;
    console.log(
      `${k.padEnd(widths[0] ?? 0)}${s.padEnd(widths[1] ?? 0)}${p.padEnd(widths[2] ?? 0)}${t.toFixed(2).padStart(9)}${base.padStart(10)}${sp.padStart(10)}  ${bl}`,
    );
  }
}

/** The models of the blog post, as the project builds them with tfjs-layers. */
function buildModel(kind: 'conv' | 'denoise'): tf.LayersModel {
  const m = tf.sequential();
  const conv = (filters: number, extra: Partial<Parameters<typeof tf.layers.conv2d>[0]> = {}) =>
    tf.layers.conv2d({ filters, kernelSize: 3, activation: 'relu', padding: 'same', ...extra });
  if (kind === 'conv') {
    m.add(conv(16, { inputShape: [28, 28, 1] }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }));
    m.add(conv(8));
    m.add(tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }));
    m.add(conv(8));
    m.add(tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }));
    m.add(conv(8));
    m.add(tf.layers.upSampling2d({ size: [2, 2] }));
    m.add(conv(8));
    m.add(tf.layers.upSampling2d({ size: [2, 2] }));
    m.add(conv(16, { padding: 'valid' }));
    m.add(tf.layers.upSampling2d({ size: [2, 2] }));
    m.add(conv(1, { activation: 'sigmoid' }));
  } else {
    m.add(conv(32, { inputShape: [28, 28, 1] }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }));
    m.add(conv(32));
    m.add(tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }));
    m.add(conv(32));
    m.add(tf.layers.upSampling2d({ size: [2, 2] }));
    m.add(conv(32));
    m.add(tf.layers.upSampling2d({ size: [2, 2] }));
    m.add(conv(1, { activation: 'sigmoid' }));
  }
  return m;
}

function makeStep(kind: 'conv' | 'denoise') {
  const model = buildModel(kind);
  const x = tf.randomUniform([BATCH, 28, 28, 1]);
  const y = tf.randomUniform([BATCH, 28, 28, 1]);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adadelta(1.0);
  const loss = () => tf.mean(tf.metrics.binaryCrossentropy(y, model.apply(x) as tf.Tensor)) as tf.Scalar;
  return {
    grads: () => {
      const { value, grads } = tf.variableGrads(loss, vars);
      tf.dispose([value, ...Object.values(grads)]);
    },
    train: () => {
      tf.tidy(() => {
        optimizer.minimize(loss, false, vars);
      });
    },
    dispose: () => {
      model.dispose();
      optimizer.dispose();
      tf.dispose([x, y]);
    },
  };
}

/** "Before": the shipped kernels plus the field notes' filter gradient (the backend has none). */
const beforeFilterGrad: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: (({
    inputs,
    backend,
    attrs,
  }: {
    inputs: tf.NamedTensorInfoMap;
    backend: BackendWasm;
    attrs: never;
  }) => {
    const x = inputs.x as tf.TensorInfo;
    const dy = inputs.dy as tf.TensorInfo;
    return conv2DBackpropFilterWith('conv', backend, x, dy, filterGradInfo(x, dy, attrs));
  }) as unknown as tf.KernelFunc,
};

function useKernels(which: 'before' | 'after'): void {
  if (which === 'before') {
    unregister();
    tf.registerKernel(beforeFilterGrad);
  } else {
    if (tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc === beforeFilterGrad.kernelFunc) {
      tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
    }
    register();
  }
}

/**
 * Alternates before/after steps so that both see the same share of whatever else the machine is
 * doing, and reports the median of each.
 */
function pairedSteps(f: () => void, steps: number): Record<'before' | 'after', Record<Clock, number>> {
  const t: Record<'before' | 'after', Record<Clock, number[]>> = {
    before: { cpu: [], wall: [] },
    after: { cpu: [], wall: [] },
  };
  for (let i = 0; i < steps + 2; i++) {
    for (const which of ['after', 'before'] as const) {
      useKernels(which);
      const c0 = now('cpu');
      const w0 = now('wall');
      f();
      const w = now('wall') - w0;
      const c = now('cpu') - c0;
      if (i >= 2) {
        t[which].wall.push(w);
        t[which].cpu.push(c);
      }
    }
  }
  useKernels('after');
  const med = (x: Record<Clock, number[]>) => ({ cpu: median(x.cpu), wall: median(x.wall) });
  return { before: med(t.before), after: med(t.after) };
}

async function benchSteps(profile: boolean): Promise<void> {
  for (const kind of ['conv', 'denoise'] as const) {
    const step = makeStep(kind);
    const fmt = (ms: number) =>
      `${ms.toFixed(1).padStart(6)} ms = ${(BATCH / (ms / 1000)).toFixed(0).padStart(5)} samples/s`;
    const grads = pairedSteps(step.grads, STEPS);
    const train = pairedSteps(step.train, STEPS);
    console.log(`${kind}:`);
    for (const which of ['before', 'after'] as const) {
      const label = which === 'before' ? 'shipped + conv filter grad' : 'fast kernels';
      console.log(
        `  ${label.padEnd(27)} variableGrads  wall ${fmt(grads[which].wall)}   cpu ${fmt(grads[which].cpu)}`,
      );
      console.log(
        `  ${''.padEnd(27)} + adadelta     wall ${fmt(train[which].wall)}   cpu ${fmt(train[which].cpu)}`,
      );
    }
    if (profile) {
      // Per-kernel medians over several profiled steps: one step's wall-clock kernel times on a busy
      // machine are dominated by whichever kernel happened to be preempted.
      const runs = 7;
      const perRun: Map<string, { ms: number; calls: number }>[] = [];
      for (let r = 0; r < runs; r++) {
        const info = await tf.profile(() => step.grads());
        const byKernel = new Map<string, { ms: number; calls: number }>();
        for (const k of info.kernels) {
          // '<op>__op' entries wrap kernels that are listed on their own; counting both would double.
          if (k.name.endsWith('__op')) continue;
          const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
          e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
          e.calls += 1;
          byKernel.set(k.name, e);
        }
        perRun.push(byKernel);
      }
      const names = new Set(perRun.flatMap((m) => [...m.keys()]));
      const rowsByName = [...names].map((name) => ({
        name,
        ms: median(perRun.map((m) => m.get(name)?.ms ?? 0)),
        calls: perRun[0]?.get(name)?.calls ?? 0,
      }));
      const total = rowsByName.reduce((a, r) => a + r.ms, 0);
      rowsByName.sort((a, b) => b.ms - a.ms);
      console.log(
        `  tf.profile of a ${kind} variableGrads step, median of ${runs} (kernel total ${total.toFixed(1)} ms):`,
      );
      for (const r of rowsByName.slice(0, 14)) {
        console.log(
          `    ${r.name.padEnd(28)}${r.ms.toFixed(1).padStart(8)} ms ${((100 * r.ms) / total).toFixed(0).padStart(4)}%  ${r.calls} calls`,
        );
      }
    }
    step.dispose();
  }
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(
  `tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}, wasm threads ${getThreadsCount()}, ` +
    `${os.availableParallelism()} cores, load average ${load()}; kernel clock: ${CLOCK} time`,
);
const shipped = new Map<string, tf.KernelFunc>();
for (const name of ['Conv2DBackpropInput', 'MaxPoolGrad', 'ResizeNearestNeighborGrad']) {
  shipped.set(name, kernelOf(name, 'wasm'));
}
register();
if (!argv.includes('--skip-kernels')) benchKernels(shipped);

console.log(
  `\nFull step at batch 128 (median of ${STEPS}, before/after alternating; cpu = process CPU time, all threads):`,
);
await benchSteps(true);
console.log(`\nload average at the end: ${load()}`);
