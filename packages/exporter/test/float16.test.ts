// The float16 pass: the bit conversion, the ONNX rewrite on the released files (run in onnxruntime-node
// and onnxruntime-web's WASM against float32), and the per-model decision on a copy of models/.
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  browserManifest,
  IMAGE_SIZE,
  type Manifest,
  MODEL_IDS,
  ModelRunner,
  maxAbsDiff,
  parseManifest,
} from '@autoencoders/modelkit';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultImagesFile, readIdxImages } from '../src/inputs.ts';
import {
  FLOAT16_METADATA,
  FLOAT16_MIN_ELEMENTS,
  float16Bits,
  float16Value,
  float16Weights,
} from '../src/onnx/float16.ts';
import { GraphBuilder } from '../src/onnx/graph.ts';
import { onnx } from '../src/onnx/proto.ts';
import { type Batch, runOnnx } from '../src/parity.ts';
import { addFloat16Variants, float16Name, relativeChange } from '../src/variants.ts';
import { runCommand, runOnnxWeb } from './helpers.ts';

const RELEASED = path.resolve(import.meta.dirname, '..', '..', '..', 'models');
/**
 * What weight-only float16 may change in an output: 1 % of the output's scale (1 for the images in
 * 0..1, the largest |value| for codes). Measured on the released files: 3e-3 at most.
 */
const AGREEMENT = 1e-2;

let dir: string;
let images: Float32Array;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'exporter-float16-'));
  images = await readIdxImages(defaultImagesFile(), 300);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('float16Bits', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.1, 0x2e66],
    [65504, 0x7bff],
    // Past the largest float16 (65504) by more than half a step: infinity.
    [65520, 0x7c00],
    [2 ** -14, 0x0400],
    // Subnormals, down to 2⁻²⁴; half of that rounds to even, i.e. zero.
    [2 ** -24, 0x0001],
    [3 * 2 ** -25, 0x0002],
    [2 ** -25, 0x0000],
    // Ties go to the even mantissa.
    [1 + 2 ** -11, 0x3c00],
    [1 + 3 * 2 ** -11, 0x3c02],
    [Number.POSITIVE_INFINITY, 0x7c00],
  ])('%d → %s', (value, bits) => {
    expect(float16Bits(value)).toBe(bits);
  });

  it('keeps NaN a NaN, and round-trips every float16 through float16Value', () => {
    expect(Number.isNaN(float16Value(float16Bits(Number.NaN)))).toBe(true);
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0) continue;
      expect(float16Bits(float16Value(bits))).toBe(bits);
    }
  });
});

describe('float16Weights on the released files', () => {
  const files = [
    'simple.encoder.onnx',
    'simple.decoder.onnx',
    'deep.decoder.onnx',
    'conv.encoder.onnx',
    'conv.decoder.onnx',
    'denoise.onnx',
    'seq2seq.encoder.onnx',
    'seq2seq.decoder.onnx',
    'vae.encoder.onnx',
    'vae.decoder.onnx',
  ];
  let manifest: Manifest;
  beforeAll(async () => {
    manifest = parseManifest(JSON.parse(await readFile(path.join(RELEASED, 'manifest.json'), 'utf8')));
  });

  const entry = (file: string) => {
    for (const model of Object.values(manifest.models)) {
      const found = model.files.find((f) => f.path === file);
      if (found) return found;
    }
    throw new Error(`${file} is not in the manifest`);
  };

  it.each(files)('%s: about half the size, float32 in and out, within a percent of float32', async (file) => {
    const bytes = new Uint8Array(await readFile(path.join(RELEASED, file)));
    const result = float16Weights(bytes);
    expect(result.converted.length).toBeGreaterThan(0);
    // Small tensors stay float32; everything else is float16, so the file is at most ~half + small bits.
    const kept = result.kept.reduce((n, t) => n + t.elements, 0);
    expect(result.kept.every((t) => t.reason === 'small' && t.elements < FLOAT16_MIN_ELEMENTS)).toBe(true);
    const weights = result.converted.reduce((n, t) => n + t.elements, 0);
    expect(result.data.byteLength).toBeLessThan(bytes.byteLength - 2 * weights + 4 * kept + 4096);

    const model = onnx.ModelProto.decode(result.data);
    const graph = model.graph as NonNullable<typeof model.graph>;
    const FLOAT = onnx.TensorProto.DataType.FLOAT;
    const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;
    expect(graph.input?.map((i) => i.type?.tensorType?.elemType)).toEqual(graph.input?.map(() => FLOAT));
    expect(graph.output?.map((o) => o.type?.tensorType?.elemType)).toEqual(graph.output?.map(() => FLOAT));
    const halves = (graph.initializer ?? []).filter((t) => t.dataType === FLOAT16);
    expect(halves).toHaveLength(result.converted.length);
    const casts = (graph.node ?? []).filter((n) => n.opType === 'Cast');
    expect(casts.map((n) => n.input?.[0]).sort()).toEqual(halves.map((t) => t.name).sort());
    expect(model.metadataProps).toContainEqual(expect.objectContaining(FLOAT16_METADATA));
    expect(() => float16Weights(result.data)).toThrow('converted twice');

    // The same inputs through both files, in onnxruntime-node and (float16) onnxruntime-web's WASM.
    const spec = entry(file);
    const input = spec.inputs[0];
    if (!input) throw new Error('no input');
    const size = input.shape.reduce<number>((n, d) => (d === 'batch' ? n : n * d), 1);
    const n = 64;
    const digits = images.subarray(0, n * IMAGE_SIZE);
    // A decoder is fed what its encoder gives for test digits, as in use: an LSTM decoder fed codes
    // far outside the range of its encoder's (|h| < 1) amplifies any rounding.
    const encoder = file.replace('.decoder.onnx', '.encoder.onnx');
    const codes = async () => {
      const encoded = await runOnnx(new Uint8Array(await readFile(path.join(RELEASED, encoder))), {
        image: { data: digits, dims: [n, IMAGE_SIZE] },
      });
      const code = encoded.code ?? encoded.z_mean;
      if (!code) throw new Error(`${encoder}: no code`);
      return code.data;
    };
    const data = size === IMAGE_SIZE ? digits : await codes();
    const feeds: Record<string, Batch> = {
      [input.name]: { data, dims: input.shape.map((d) => (d === 'batch' ? n : d)) },
    };
    const [float32, float16, web] = [
      await runOnnx(bytes, feeds),
      await runOnnx(result.data, feeds),
      await runOnnxWeb(result.data, feeds),
    ];
    for (const output of spec.outputs) {
      const [a, b, c] = [float32[output.name], float16[output.name], web[output.name]];
      if (!a || !b || !c) throw new Error(`${file}: no ${output.name}`);
      expect(b.data).toBeInstanceOf(Float32Array);
      expect(b.dims).toEqual(a.dims);
      const scale = Math.max(1, ...Array.from(a.data, Math.abs));
      const diff = maxAbsDiff(a.data, b.data);
      expect(diff, `${file} ${output.name}`).toBeLessThanOrEqual(AGREEMENT * scale);
      // Not the float32 file again: the weights did change.
      expect(diff).toBeGreaterThan(0);
      expect(maxAbsDiff(b.data, c.data), 'onnxruntime-web vs -node').toBeLessThanOrEqual(1e-4 * scale);
    }
  });

  it('leaves small tensors, tensors beyond float16 and graph inputs as float32', async () => {
    const g = new GraphBuilder(['x', 'y']);
    const x = g.input('x', [null, 4]);
    const big = g.initializer(
      'big',
      Float32Array.from({ length: 64 }, (_, i) => i / 64),
      [4, 16],
    );
    const huge = g.initializer(
      'huge',
      Float32Array.from({ length: 256 }, (_, i) => (i === 7 ? 1e6 : i)),
      [16, 16],
    );
    const bias = g.initializer('bias', new Float32Array(16).fill(0.5), [16]);
    const h = g.op('Gemm', [x.name, big, bias], {}, 'gemm1');
    const y = g.op('MatMul', [h, huge], {}, 'matmul');
    g.output({ name: y, shape: [null, 16], layout: 'channelsLast' }, 'y');
    const bytes = g.toBytes({ graphName: 't', producerName: 'test', producerVersion: '0' });
    const result = float16Weights(bytes);
    expect(result.converted).toEqual([{ name: 'big', elements: 64 }]);
    expect(result.kept).toEqual([
      { name: 'huge', elements: 256, reason: 'out of float16 range' },
      { name: 'bias', elements: 16, reason: 'small' },
    ]);
    // With a lower bound, the bias goes too.
    expect(float16Weights(bytes, { minElements: 1 }).converted.map((t) => t.name)).toEqual(['big', 'bias']);
    const feeds = { x: { data: Float32Array.from({ length: 8 }, (_, i) => i - 3), dims: [2, 4] } };
    const [a, b] = [(await runOnnx(bytes, feeds)).y, (await runOnnx(result.data, feeds)).y];
    if (!a || !b) throw new Error('no output');
    // i/64 is exact in float16: the results are identical.
    expect(maxAbsDiff(a.data, b.data)).toBe(0);
  });
});

describe('addFloat16Variants', () => {
  let models: string;
  const float32Files = async () => {
    const names = (await readdir(models)).filter((f) => f.endsWith('.onnx') && !f.endsWith('.fp16.onnx'));
    return Object.fromEntries(
      await Promise.all(names.map(async (f) => [f, sha256(await readFile(path.join(models, f)))])),
    );
  };

  beforeAll(async () => {
    models = path.join(dir, 'models');
    await cp(RELEASED, models, { recursive: true });
    // A folder as released before the float16 pass: no variants.
    const manifest = JSON.parse(await readFile(path.join(RELEASED, 'manifest.json'), 'utf8')) as Manifest;
    for (const model of Object.values(manifest.models)) {
      delete model.precision;
      for (const file of model.files) delete file.variants;
    }
    const { writeManifest } = await import('../src/output.ts');
    await writeManifest(models, manifest);
    for (const f of await readdir(models)) if (f.endsWith('.fp16.onnx')) await rm(path.join(models, f));
  });

  it("writes each model's browser files as float16 where its figures stay within 1 %, float32 files untouched", async () => {
    const before = await float32Files();
    const { manifest, decisions } = await addFloat16Variants({
      dir: models,
      images: images.subarray(0, 200 * IMAGE_SIZE),
    });
    expect(await float32Files()).toEqual(before);
    expect(decisions.map((d) => d.model)).toEqual([...MODEL_IDS]);
    const written = parseManifest(JSON.parse(await readFile(path.join(models, 'manifest.json'), 'utf8')));
    expect(written).toEqual(manifest);
    for (const d of decisions) {
      const precision = written.models[d.model]?.precision;
      expect(precision).toMatchObject({ tolerance: 0.01, images: 200, seed: 1, browser: 'float16' });
      for (const f of precision?.figures ?? []) {
        expect(relativeChange(f.float32, f.float16), `${d.model} ${f.metric}`).toBeLessThanOrEqual(0.01);
      }
    }
    expect(written.models.sparse?.precision?.figures.map((f) => f.metric)).toEqual([
      'bce',
      'meanCodeActivation',
    ]);
    expect(written.models.denoise?.precision?.figures.map((f) => f.metric)).toEqual(['psnrDenoised']);

    // The browser's view: the files ModelRunner serves from, as float16, each matching its hash.
    const browser = browserManifest(written);
    const runner = new ModelRunner({
      manifest: browser,
      ort: ort as never,
      getFile: (f) => readFile(path.join(models, f.path)),
    });
    const served = runner.files();
    expect(served).toHaveLength(13);
    expect(served.map((f) => f.path)).toEqual(
      served.map((f) => f.path).filter((p) => p.endsWith('.fp16.onnx')),
    );
    expect(served.every((f) => f.weightsDtype === 'float16')).toBe(true);
    expect((await runner.check()).filter((f) => f.status !== 'ok')).toEqual([]);
    // Whole-autoencoder files of models that compose get no variant: the browser never loads them.
    expect(written.models.simple?.files.find((f) => f.role === 'autoencoder')?.variants).toBeUndefined();
    expect(written.models.denoise?.files[0]?.variants?.[0]?.path).toBe('denoise.fp16.onnx');
    const fp16 = (await readdir(models)).filter((f) => f.endsWith('.fp16.onnx')).sort();
    expect(fp16).toEqual(served.map((f) => f.path).sort());
    expect(float16Name('vae.decoder.onnx')).toBe('vae.decoder.fp16.onnx');
  });

  it('keeps no variant whose figures move by more than the tolerance, but records both figures', async () => {
    const before = await float32Files();
    // A tolerance far below what float16 rounding moves a figure by (~1e-5 relative).
    const { decisions } = await addFloat16Variants({
      dir: models,
      images: images.subarray(0, 100 * IMAGE_SIZE),
      models: ['simple', 'conv'],
      tolerance: 1e-9,
    });
    expect(decisions.map((d) => [d.model, d.precision.browser])).toEqual([
      ['simple', 'float32'],
      ['conv', 'float32'],
    ]);
    for (const d of decisions) {
      expect(d.worstChange).toBeGreaterThan(1e-9);
      expect(d.precision.figures[0]?.float16).not.toBe(d.precision.figures[0]?.float32);
    }
    const written = parseManifest(JSON.parse(await readFile(path.join(models, 'manifest.json'), 'utf8')));
    for (const id of ['simple', 'conv'] as const) {
      expect(written.models[id]?.precision?.browser).toBe('float32');
      expect(written.models[id]?.files.some((f) => f.variants)).toBe(false);
    }
    // The earlier pass's variants of those two are gone; the other models' stay.
    const fp16 = await readdir(models);
    expect(fp16).not.toContain('simple.encoder.fp16.onnx');
    expect(fp16).not.toContain('conv.decoder.fp16.onnx');
    expect(fp16).toContain('deep.encoder.fp16.onnx');
    expect(written.models.deep?.precision?.browser).toBe('float16');
    expect(browserManifest(written).models.simple?.files.map((f) => f.path)).toEqual([
      'simple.onnx',
      'simple.encoder.onnx',
      'simple.decoder.onnx',
    ]);
    expect(await float32Files()).toEqual(before);
  });

  it('runs from the command line on a released folder: pnpm export --fp16-only --out <dir>', async () => {
    const { code, stdout, stderr } = await runCommand(
      'src/cli.ts',
      dir,
      '--fp16-only',
      '--out',
      'models',
      '--model',
      'simple',
      '--fp16-limit',
      '100',
    );
    expect(stderr).not.toContain('Error');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^simple +bce +0\.\d{4} +0\.\d{4} +\d\.\d{3} % +float16 +[\d.]+ KiB → [\d.]+ KiB/m,
    );
    expect(stdout).toContain('float16: 1 of 1 models within 1 % on 100 images');
    expect(await readdir(models)).toContain('simple.encoder.fp16.onnx');
    const bad = await runCommand(
      'src/cli.ts',
      dir,
      '--fp16-only',
      '--out',
      'models',
      '--fp16-tolerance',
      '2',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected a fraction from 0 to 1');
  });
});
