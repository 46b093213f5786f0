/**
 * pnpm bench:train — training throughput of the seven models: a fixed number of full-size batches
 * (the post's batch sizes) through the trainer's own step, per backend variant:
 *   fast     the wasm backend with this project's kernels (what `pnpm train` uses without libtensorflow)
 *   shipped  the wasm backend as @tensorflow/tfjs-backend-wasm ships it (conv models cannot train on it)
 *   cpu      the plain-JavaScript backend, where a step takes under 10 s
 * Each (variant, model) runs in its own process, so kernels registered by one never leak into another.
 * Prints a table and writes it as JSON (bench-results/train-<threads>t.json by default). --profile adds
 * each step's top kernels (tf.profile, median over 5 profiled steps) below the table and to the JSON.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CATALOG, isModelId, MODEL_IDS, type ModelId } from '@autoencoders/modelkit';
import { setSimdKernelsEnabled, useWasmBackend } from '@autoencoders/tfjs-wasm-kernels';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_WASM_THREADS, selectBackend } from '../src/backend.ts';
import { loadDataset } from '../src/data/mnist.ts';
import { MODELS } from '../src/models/index.ts';
import { disposeBatch, makeBatch } from '../src/train/batches.ts';
import { DEFAULT_LEARNING_RATE, type RunConfig } from '../src/train/config.ts';
import { buildNetworks, makeOptimizer, trainableVariables, trainStep } from '../src/train/train.ts';

const VARIANTS = ['fast', 'shipped', 'cpu'] as const;
type Variant = (typeof VARIANTS)[number];

/** Issue #3's targets: a widely used Python framework on the same 2 cores. */
const TARGETS: Record<ModelId, number> = {
  simple: 16_000,
  sparse: 16_000,
  deep: 11_000,
  conv: 2_500,
  denoise: 1_300,
  seq2seq: 1_100,
  vae: 5_500,
};

interface Measurement {
  variant: Variant;
  model: ModelId;
  threads: number;
  batchSize: number;
  steps?: number;
  runs?: number;
  msPerStep?: number;
  samplesPerSecond?: number;
  skipped?: string;
  /** Top kernels of one step by time, with --profile. */
  profile?: { kernel: string; ms: number; calls: number }[];
}

const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: String(DEFAULT_WASM_THREADS) },
    model: { type: 'string', default: 'all' },
    variant: { type: 'string', default: VARIANTS.join(',') },
    steps: { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
    out: { type: 'string' },
    child: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(2);
}

const threads = Number(args.threads);
const steps = Number(args.steps);
const runs = Number(args.runs);
if (!Number.isInteger(threads) || threads < 1)
  fail(`--threads must be a positive integer, got '${args.threads}'`);
if (!Number.isInteger(steps) || steps < 1) fail(`--steps must be a positive integer, got '${args.steps}'`);
if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be a positive integer, got '${args.runs}'`);
const models = args.model === 'all' ? [...MODEL_IDS] : args.model.split(',');
for (const m of models) if (!isModelId(m)) fail(`unknown model '${m}'`);
const variants = args.variant.split(',');
for (const v of variants)
  if (!(VARIANTS as readonly string[]).includes(v)) fail(`unknown variant '${v}' (${VARIANTS.join(', ')})`);

async function useShippedWasm() {
  const { threads: actual } = await useWasmBackend({ threads, fastKernels: false });
  // The trainer's fused LSTM and Adam would otherwise still use the kernels package's SIMD module.
  setSimdKernelsEnabled(false);
  return actual;
}

/** In the child: times `runs` × `steps` training steps of one model on one variant. */
async function measure(variant: Variant, model: ModelId): Promise<Measurement> {
  let actualThreads = 1;
  tf.env().set('PROD', true);
  if (variant === 'fast') actualThreads = (await selectBackend('wasm', threads)).threads ?? 1;
  else if (variant === 'shipped') actualThreads = await useShippedWasm();
  else await selectBackend('cpu');
  const batchSize = CATALOG[model].post.batchSize;
  const config: RunConfig = {
    model,
    epochs: 1,
    batchSize,
    limit: null,
    seed: 1,
    optimizer: 'adam',
    learningRate: DEFAULT_LEARNING_RATE.adam,
    schedule: 'step',
    learningRateDrops: [],
    l1Reduction: 'mean',
    validation: 0,
    patience: null,
    weightDecay: 0,
    klWarmup: 0,
  };
  const result: Measurement = { variant, model, threads: actualThreads, batchSize };
  const data = await loadDataset(undefined, { limit: batchSize * 8 });
  const networks = buildNetworks(config);
  const variables = trainableVariables(networks);
  const optimizer = makeOptimizer(config);
  const noisy = MODELS[model].noisyInput === true;
  let batchIndex = 0;
  const step = () => {
    const first = (batchIndex++ % 8) * batchSize;
    const rows = Int32Array.from({ length: batchSize }, (_, i) => first + i);
    const batch = makeBatch(data.train.images, rows, { noisy, seed: batchIndex });
    trainStep(networks, optimizer, variables, batch);
    disposeBatch(batch);
  };
  try {
    const t0 = performance.now();
    step();
    const warmup = performance.now() - t0;
    if (warmup > 10_000) return { ...result, skipped: `${(warmup / 1000).toFixed(0)} s per step` };
    step();
    step();
  } catch (error) {
    return { ...result, skipped: (error as Error).message.split('\n')[0] ?? 'failed' };
  }
  const perStep: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    for (let s = 0; s < steps; s++) step();
    perStep.push((performance.now() - start) / steps);
  }
  const median = perStep.sort((a, b) => a - b)[Math.floor(perStep.length / 2)] as number;
  const measured = {
    ...result,
    steps,
    runs,
    msPerStep: median,
    samplesPerSecond: (batchSize * 1000) / median,
  };
  return args.profile ? { ...measured, profile: await profileStep(step) } : measured;
}

/** Per kernel, the median over 5 profiled steps of its summed time and its call count, top 12. */
async function profileStep(step: () => void): Promise<Measurement['profile']> {
  const perRun: Map<string, { ms: number; calls: number }>[] = [];
  for (let r = 0; r < 5; r++) {
    const info = await tf.profile(step);
    const byKernel = new Map<string, { ms: number; calls: number }>();
    for (const k of info.kernels) {
      const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      e.calls += 1;
      byKernel.set(k.name, e);
    }
    perRun.push(byKernel);
  }
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1] ?? 0;
  const names = new Set(perRun.flatMap((m) => [...m.keys()]));
  return [...names]
    .map((kernel) => ({
      kernel,
      ms: Math.round(mid(perRun.map((m) => m.get(kernel)?.ms ?? 0)) * 10) / 10,
      calls: perRun[0]?.get(kernel)?.calls ?? 0,
    }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 12);
}

if (args.child) {
  const [variant, model] = [variants[0] as Variant, models[0] as ModelId];
  console.log(JSON.stringify(await measure(variant, model)));
  process.exit(0);
}

const results: Measurement[] = [];
for (const model of models as ModelId[]) {
  for (const variant of variants as Variant[]) {
    process.stderr.write(`${model} on ${variant}… `);
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        import.meta.filename,
        '--child',
        '--variant',
        variant,
        '--model',
        model,
        '--threads',
        String(threads),
        '--steps',
        String(variant === 'cpu' ? Math.min(steps, 3) : steps),
        '--runs',
        String(runs),
        ...(args.profile ? ['--profile'] : []),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    const line = child.stdout.trim().split('\n').at(-1) ?? '';
    let m: Measurement;
    try {
      m = JSON.parse(line) as Measurement;
    } catch {
      m = {
        variant,
        model,
        threads,
        batchSize: CATALOG[model].post.batchSize,
        skipped: child.stderr.trim().split('\n').at(-1) ?? 'crashed',
      };
    }
    results.push(m);
    process.stderr.write(
      `${m.samplesPerSecond ? `${Math.round(m.samplesPerSecond)} samples/s` : m.skipped}\n`,
    );
  }
}

const cell = (m: Measurement | undefined) =>
  !m
    ? ''
    : m.samplesPerSecond
      ? `${Math.round(m.samplesPerSecond).toLocaleString('en-US')} (${(m.msPerStep as number).toFixed(1)} ms)`
      : `– (${m.skipped})`;
const header = ['model', 'batch', ...variants.map((v) => `${v}: samples/s (ms/step)`), 'target'];
const table = [
  `| ${header.join(' | ')} |`,
  `| ${header.map(() => '---').join(' | ')} |`,
  ...models.map((model) => {
    const row = results.filter((r) => r.model === model);
    return `| ${[model, String(CATALOG[model as ModelId].post.batchSize), ...variants.map((v) => cell(row.find((r) => r.variant === v))), TARGETS[model as ModelId].toLocaleString('en-US')].join(' | ')} |`;
  }),
].join('\n');
const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, Node ${process.version}, ${threads} thread(s) requested`;
console.log(`\n${machine}\n\n${table}\n`);
for (const m of results) {
  if (!m.profile) continue;
  const top = m.profile.map((k) => `${k.kernel} ${k.ms} ms (${k.calls})`).join(', ');
  console.log(`${m.model} on ${m.variant}, top kernels of one step: ${top}\n`);
}
const out = path.resolve(
  process.env.INIT_CWD || process.cwd(),
  args.out ?? `bench-results/train-${threads}t.json`,
);
await mkdir(path.dirname(out), { recursive: true });
await writeFile(
  out,
  `${JSON.stringify({ machine, date: new Date().toISOString(), steps, runs, results }, null, 2)}\n`,
);
console.log(`wrote ${out}`);
