/**
 * Runs in Node before the worker tests: onnxruntime-node cannot load inside workerd, so the expected
 * outputs are computed here, straight from the ONNX files (no ModelRunner, so a mistake in it cannot
 * hide on both sides), and handed over with `provide`. The dry-run build runs here too: it proves that
 * wrangler can bundle the worker with its models and reports the size.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  addGaussianNoise,
  decodePng,
  IMAGE_SIZE,
  manifoldPoints,
  parseManifest,
  seededRandom,
  toMnistInput,
} from '@autoencoders/modelkit';
import * as ort from 'onnxruntime-node';
import type { TestProject } from 'vitest/node';
import { iccpBomb, idatBomb } from '../scripts/hostile-pngs.ts';
import {
  type Bombs,
  type BuildReport,
  DENOISE_NOISE,
  DENOISE_SEED,
  MANIFOLD_N,
  type Reference,
  sampleCodes,
  sampleImages,
  samplePng,
} from './fixtures.ts';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const modelsDir = fileURLToPath(new URL('../../../models', import.meta.url));

async function run(path: string, input: Float32Array): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(join(modelsDir, path), { intraOpNumThreads: 1 });
  try {
    const [name] = session.inputNames;
    const dims = await inputDims(path);
    const size = dims.reduce((a, b) => a * b, 1);
    const tensor = new ort.Tensor('float32', input, [input.length / size, ...dims]);
    const out = await session.run({ [name as string]: tensor });
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array]));
  } finally {
    await session.release();
  }
}

let manifestCache: ReturnType<typeof parseManifest> | undefined;
async function manifest() {
  manifestCache ??= parseManifest(JSON.parse(await readFile(join(modelsDir, 'manifest.json'), 'utf8')));
  return manifestCache;
}

async function inputDims(path: string): Promise<number[]> {
  for (const model of Object.values((await manifest()).models)) {
    const file = model.files.find((f) => f.path === path);
    if (file) return (file.inputs[0]?.shape ?? []).filter((d): d is number => d !== 'batch');
  }
  throw new Error(`${path} is not in the manifest`);
}

async function reference(): Promise<Reference> {
  const images = sampleImages();
  const outputs: Record<string, number[]> = {};
  for (const model of Object.values((await manifest()).models)) {
    for (const file of model.files) {
      const dims = await inputDims(file.path);
      const size = dims.reduce((a, b) => a * b, 1);
      const input = size === IMAGE_SIZE ? images : sampleCodes(size);
      for (const [name, data] of Object.entries(await run(file.path, input))) {
        outputs[`${file.path}:${name}`] = Array.from(data);
      }
    }
  }
  const pngInput = toMnistInput(decodePng(samplePng()));
  const noisy = addGaussianNoise(images, DENOISE_NOISE, seededRandom(DENOISE_SEED));
  return {
    outputs,
    pngInput: Array.from(pngInput),
    pngReconstruction: Array.from((await run('simple.onnx', pngInput)).reconstruction ?? []),
    denoisedNoisy: Array.from((await run('denoise.onnx', noisy)).reconstruction ?? []),
    manifold: Array.from(
      (await run('vae.decoder.onnx', manifoldPoints(MANIFOLD_N).data)).reconstruction ?? [],
    ),
  };
}

async function dryRunBuild(): Promise<BuildReport> {
  const outdir = await mkdtemp(join(tmpdir(), 'edge-api-build-'));
  try {
    const { stdout, stderr } = await promisify(execFile)(
      join(appDir, 'node_modules/.bin/wrangler'),
      ['deploy', '--dry-run', '--outdir', outdir],
      {
        cwd: appDir,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
      },
    );
    const log = `${stdout}\n${stderr}`;
    const files: Record<string, number> = {};
    for (const name of await readdir(outdir)) files[name] = (await stat(join(outdir, name))).size;
    const bytes = Object.entries(files)
      .filter(([name]) => name !== 'README.md')
      .reduce((n, [, size]) => n + size, 0);
    const summary = /Total Upload:[^\n]*/.exec(log)?.[0] ?? '';
    console.log(
      `edge-api dry-run build: ${summary} (${(bytes / 1024 / 1024).toFixed(1)} MiB in ${Object.keys(files).length} files)`,
    );
    return { ok: true, summary, bytes, files, log };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return {
      ok: false,
      summary: '',
      bytes: 0,
      files: {},
      log: `${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

function bombs(): Bombs {
  return { idat: idatBomb().toString('base64'), iccp: iccpBomb().toString('base64') };
}

export default async function setup(project: TestProject) {
  const [ref, build] = await Promise.all([reference(), dryRunBuild()]);
  project.provide('reference', ref);
  project.provide('build', build);
  project.provide('bombs', bombs());
}
