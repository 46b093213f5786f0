// The output folder: merged by --model subsets, and left exactly as it was by a failed export.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { IMAGE_SIZE, parseManifest } from '@autoencoders/modelkit';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../src/backend.ts';
import { UnsupportedLayerError } from '../src/converters/index.ts';
import { ParityError, UserError } from '../src/errors.ts';
import { exportModels } from '../src/export.ts';
import { randomUniform } from '../src/inputs.ts';
import { MODELS, saveLayersModel } from './helpers.ts';

const images = randomUniform(16 * IMAGE_SIZE, 2);
let root: string;
let artifacts: string;
let out: string;

async function saveNetworks(
  id: 'simple' | 'deep',
  roles: readonly ('autoencoder' | 'encoder' | 'decoder')[] = ['autoencoder', 'encoder', 'decoder'],
) {
  const networks = MODELS[id].build({});
  for (const role of roles) {
    const model = networks[role];
    if (model) await saveLayersModel(model, path.join(artifacts, id, role));
  }
}

/** Every file of a folder with a hash of its content. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const files = await readdir(dir);
  const entries = await Promise.all(
    files.map(async (f) => [
      f,
      createHash('sha256')
        .update(await readFile(path.join(dir, f)))
        .digest('hex'),
    ]),
  );
  return Object.fromEntries(entries);
}

async function manifest() {
  return parseManifest(JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')));
}

beforeAll(async () => {
  await useCpuBackend();
  root = await mkdtemp(path.join(os.tmpdir(), 'exporter-out-'));
});

beforeEach(async () => {
  artifacts = await mkdtemp(path.join(root, 'artifacts-'));
  out = path.join(await mkdtemp(path.join(root, 'out-')), 'models');
  await saveNetworks('simple');
  await saveNetworks('deep');
  await exportModels({ inDir: artifacts, outDir: out, images, now: new Date('2026-01-01T00:00:00Z') });
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the output folder', () => {
  it('keeps the other models when a subset is exported', async () => {
    const before = await snapshot(out);
    await exportModels({
      inDir: artifacts,
      outDir: out,
      models: ['simple'],
      images,
      now: new Date('2026-02-01T00:00:00Z'),
    });
    const after = await snapshot(out);
    const m = await manifest();
    expect(Object.keys(m.models)).toEqual(['simple', 'deep']);
    expect(m.createdAt).toBe('2026-02-01T00:00:00.000Z');
    for (const file of ['deep.onnx', 'deep.encoder.onnx', 'deep.decoder.onnx'])
      expect(after[file]).toBe(before[file]);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
  });

  it("drops a re-exported model's files that it no longer has", async () => {
    await rm(path.join(artifacts, 'simple'), { recursive: true });
    await saveNetworks('simple', ['autoencoder']);
    await exportModels({ inDir: artifacts, outDir: out, models: ['simple'], images });
    expect((await readdir(out)).sort()).toEqual([
      'deep.decoder.onnx',
      'deep.encoder.onnx',
      'deep.onnx',
      'manifest.json',
      'simple.onnx',
    ]);
    expect((await manifest()).models.simple?.files.map((f) => f.role)).toEqual(['autoencoder']);
  });

  it("carries each model's figures to figures/<id>/ and replaces them on re-export", async () => {
    const figures = path.join(artifacts, 'simple', 'figures');
    await mkdir(figures, { recursive: true });
    await writeFile(path.join(figures, 'loss.png'), 'first');
    await writeFile(path.join(figures, 'codes.png'), 'codes');
    await exportModels({ inDir: artifacts, outDir: out, models: ['simple'], images });
    expect(await readdir(path.join(out, 'figures', 'simple'))).toEqual(['codes.png', 'loss.png']);
    expect((await manifest()).models.simple?.metrics.figures).toEqual([
      'figures/simple/codes.png',
      'figures/simple/loss.png',
    ]);
    await rm(path.join(figures, 'codes.png'));
    await writeFile(path.join(figures, 'loss.png'), 'second');
    await exportModels({ inDir: artifacts, outDir: out, models: ['simple'], images });
    expect(await readdir(path.join(out, 'figures', 'simple'))).toEqual(['loss.png']);
    expect(await readFile(path.join(out, 'figures', 'simple', 'loss.png'), 'utf8')).toBe('second');
  });

  it('records in the manifest which images trained, validated and tested the weights (from metrics.json)', async () => {
    const use = {
      train: { split: 'train', start: 0, count: 55_000, use: 'training' },
      validation: { split: 'train', start: 55_000, count: 5_000, use: 'choice of epoch' },
      test: { split: 'test', start: 0, count: 10_000, use: 'reported once' },
    };
    const metrics = path.join(artifacts, 'simple', 'metrics.json');
    await writeFile(metrics, JSON.stringify({ seed: 1, images: use }));
    await exportModels({ inDir: artifacts, outDir: out, models: ['simple'], images });
    expect((await manifest()).models.simple?.provenance.images).toEqual(use);
    // A record whose validation images overlap the training ones is refused, naming the file.
    await writeFile(
      metrics,
      JSON.stringify({ images: { ...use, validation: { ...use.validation, start: 50_000 } } }),
    );
    await expect(exportModels({ inDir: artifacts, outDir: out, models: ['simple'], images })).rejects.toThrow(
      `${metrics}: invalid manifest: images.validation overlaps the training images`,
    );
    await rm(metrics);
  });

  it('is left intact when a file fails the parity check', async () => {
    const before = await snapshot(out);
    await expect(exportModels({ inDir: artifacts, outDir: out, images, tolerance: 1e-12 })).rejects.toThrow(
      ParityError,
    );
    expect(await snapshot(out)).toEqual(before);
    // No half-written sibling is left behind either.
    expect(await readdir(path.dirname(out))).toEqual(['models']);
  });

  it('is left intact when a model holds an unsupported layer', async () => {
    const before = await snapshot(out);
    const input = tf.input({ shape: [IMAGE_SIZE], name: 'image' });
    const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(input) as tf.SymbolicTensor;
    await rm(path.join(artifacts, 'deep'), { recursive: true });
    await saveLayersModel(
      tf.model({ inputs: input, outputs: bn }),
      path.join(artifacts, 'deep', 'autoencoder'),
    );
    await expect(exportModels({ inDir: artifacts, outDir: out, images })).rejects.toThrow(
      UnsupportedLayerError,
    );
    expect(await snapshot(out)).toEqual(before);
  });

  it('refuses to merge into a manifest it cannot read', async () => {
    await writeFile(path.join(out, 'manifest.json'), JSON.stringify({ version: 1, models: {} }));
    const before = await snapshot(out);
    await expect(exportModels({ inDir: artifacts, outDir: out, models: ['simple'], images })).rejects.toThrow(
      /manifest\.json: invalid manifest: createdAt must be a non-empty string/,
    );
    expect(await snapshot(out)).toEqual(before);
  });

  it('names the models that are not in the artifacts folder', async () => {
    await expect(
      exportModels({ inDir: artifacts, outDir: out, models: ['simple', 'vae'], images }),
    ).rejects.toThrow(
      new UserError(
        `${artifacts}: no trained vae (found: simple, deep); train first: pnpm train --model vae`,
      ),
    );
  });
});
