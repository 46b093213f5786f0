// The seven models end to end: built as the trainer builds them, saved as it saves them, exported,
// then every file run again in onnxruntime-node and in onnxruntime-web's WASM backend.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  IMAGE_SIZE,
  type ManifestFile,
  MODEL_IDS,
  type ModelId,
  maxAbsDiff,
  parseManifest,
} from '@autoencoders/modelkit';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../src/backend.ts';
import { type ExportResult, exportModels } from '../src/export.ts';
import { randomNormal, randomUniform } from '../src/inputs.ts';
import { type Batch, runOnnx } from '../src/parity.ts';
import { MODELS, randomizeBiases, runOnnxWeb, saveLayersModel } from './helpers.ts';

const SAMPLES = 128;
let dir: string;
let result: ExportResult;

/** A few optimiser steps, so the dense models' weights are not just their initial values. */
function train(networks: ReturnType<(typeof MODELS)[ModelId]['build']>): void {
  const optimizer = tf.train.adam(0.01);
  const input = tf.tensor2d(randomUniform(32 * IMAGE_SIZE, 3), [32, IMAGE_SIZE]);
  for (let step = 0; step < 3; step++) {
    tf.tidy(() => {
      optimizer.minimize(() => networks.loss({ input, target: input, seed: step }).total);
    });
  }
  input.dispose();
  optimizer.dispose();
}

beforeAll(async () => {
  await useCpuBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), 'exporter-models-'));
  for (const [i, id] of MODEL_IDS.entries()) {
    const networks = MODELS[id].build({});
    const roles = { autoencoder: networks.autoencoder, encoder: networks.encoder, decoder: networks.decoder };
    for (const model of Object.values(roles)) if (model) randomizeBiases(model, 10 * i);
    if (id === 'simple' || id === 'deep' || id === 'vae') train(networks);
    for (const [role, model] of Object.entries(roles)) {
      if (model) await saveLayersModel(model, path.join(dir, 'artifacts', id, role));
    }
    const metrics = {
      command: `autoencoders-train --model ${id}`,
      seed: i,
      dataset: 'test',
      trainedAt: '2026-01-02T03:04:05.000Z',
    };
    await writeFile(path.join(dir, 'artifacts', id, 'metrics.json'), JSON.stringify(metrics));
  }
  result = await exportModels({
    inDir: path.join(dir, 'artifacts'),
    outDir: path.join(dir, 'models'),
    images: randomUniform(SAMPLES * IMAGE_SIZE, 1),
  });
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const EXPECTED_FILES: Record<ModelId, string[]> = {
  simple: ['simple.onnx', 'simple.encoder.onnx', 'simple.decoder.onnx'],
  sparse: ['sparse.onnx', 'sparse.encoder.onnx', 'sparse.decoder.onnx'],
  deep: ['deep.onnx', 'deep.encoder.onnx', 'deep.decoder.onnx'],
  conv: ['conv.onnx', 'conv.encoder.onnx', 'conv.decoder.onnx'],
  denoise: ['denoise.onnx'],
  seq2seq: ['seq2seq.onnx', 'seq2seq.encoder.onnx', 'seq2seq.decoder.onnx'],
  vae: ['vae.onnx', 'vae.encoder.onnx', 'vae.decoder.onnx'],
};

/** Inputs for a file: images in [0, 1] or, for decoders, normal points of the code's shape. */
function feedsFor(file: ManifestFile, n: number, seed: number): Record<string, Batch> {
  return Object.fromEntries(
    file.inputs.map((input) => {
      const dims = [n, ...(input.shape.slice(1) as number[])];
      const size = dims.reduce((a, b) => a * b, 1);
      const data = input.name === 'image' ? randomUniform(size, seed) : randomNormal(size, seed);
      return [input.name, { data, dims }];
    }),
  );
}

describe('the seven models', () => {
  it('are all exported with a manifest the shared validator accepts', async () => {
    const manifest = parseManifest(
      JSON.parse(await readFile(path.join(dir, 'models', 'manifest.json'), 'utf8')),
    );
    expect(manifest).toEqual(result.manifest);
    expect(Object.keys(manifest.models)).toEqual([...MODEL_IDS]);
    expect(manifest.models.vae?.provenance).toEqual({
      command: 'autoencoders-train --model vae',
      seed: 6,
      dataset: 'test',
      trainedAt: '2026-01-02T03:04:05.000Z',
    });
  });

  describe.each(MODEL_IDS)('%s', (id) => {
    it('has its files, each within 1e-4 of tfjs', async () => {
      const entry = result.manifest.models[id];
      expect(entry?.files.map((f) => f.path)).toEqual(EXPECTED_FILES[id]);
      for (const file of entry?.files ?? []) {
        expect(file.parity.samples).toBe(SAMPLES);
        expect(file.parity.maxAbsDiff).toBeLessThanOrEqual(1e-4);
        const bytes = await readFile(path.join(dir, 'models', file.path));
        expect(bytes.byteLength).toBe(file.bytes);
      }
    });

    it('runs the same in onnxruntime-web (WASM) as in onnxruntime-node', async () => {
      for (const file of result.manifest.models[id]?.files ?? []) {
        const bytes = new Uint8Array(await readFile(path.join(dir, 'models', file.path)));
        const feeds = feedsFor(file, 16, 5);
        const node = await runOnnx(bytes, feeds);
        const web = await runOnnxWeb(bytes, feeds);
        expect(Object.keys(web).sort()).toEqual(file.outputs.map((o) => o.name).sort());
        for (const output of file.outputs) {
          const [a, b] = [node[output.name], web[output.name]];
          expect(b?.dims).toEqual([16, ...output.shape.slice(1)]);
          expect(
            maxAbsDiff(a?.data ?? new Float32Array(), b?.data ?? new Float32Array()),
            `${file.path} ${output.name}`,
          ).toBeLessThanOrEqual(1e-5);
        }
      }
    });
  });

  it('names inputs and outputs by what they are', () => {
    const names = (id: ModelId, role: string) => {
      const file = result.manifest.models[id]?.files.find((f) => f.role === role);
      return [file?.inputs.map((t) => t.name), file?.outputs.map((t) => t.name)];
    };
    expect(names('simple', 'autoencoder')).toEqual([['image'], ['reconstruction']]);
    expect(names('conv', 'encoder')).toEqual([['image'], ['code']]);
    expect(names('conv', 'decoder')).toEqual([['code'], ['reconstruction']]);
    expect(names('vae', 'encoder')).toEqual([['image'], ['z_mean', 'z_log_var']]);
    expect(names('vae', 'decoder')).toEqual([['latent'], ['reconstruction']]);
    expect(result.manifest.models.conv?.files[1]?.outputs[0]?.shape).toEqual(['batch', 4, 4, 8]);
  });
});
