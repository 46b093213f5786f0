/**
 * The worker's answers equal onnxruntime-node's on the same inputs (computed in Node by
 * test/global-setup.ts): the canary for the onnxruntime-web-in-workerd workaround and for every
 * conversion between JSON, PNG and tensors on the way.
 */
import { IMAGE_SIZE, manifoldPoints, maxAbsDiff } from '@autoencoders/modelkit';
import { describe, expect, inject, it } from 'vitest';
import models from '../../../models/manifest.json';
import { DENOISE_NOISE, DENOISE_SEED, MANIFOLD_N, sampleCodes, sampleImages, samplePng } from './fixtures.ts';
import { api } from './helpers.ts';

const TOLERANCE = 1e-5;
const reference = inject('reference');
const images = sampleImages();
const flat = (rows: Float32Array[]) => rows.flatMap((r) => Array.from(r));
const expected = (key: string) => {
  const values = reference.outputs[key];
  if (!values) throw new Error(`no reference output ${key}`);
  return values;
};

describe('worker outputs equal onnxruntime-node', () => {
  const ids = Object.keys(models.models);

  it.each(ids.filter((id) => id !== 'denoise'))('%s reconstruct', async (id) => {
    const { images: out } = await api.reconstruct(id, images);
    expect(maxAbsDiff(flat(out), expected(`${id}.onnx:reconstruction`))).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each(ids.filter((id) => id !== 'denoise'))('%s encode', async (id) => {
    const result = await api.encode(id, images);
    const key = id === 'vae' ? 'z_mean' : 'code';
    expect(maxAbsDiff(flat(result.codes), expected(`${id}.encoder.onnx:${key}`))).toBeLessThanOrEqual(
      TOLERANCE,
    );
    if (id === 'vae') {
      expect(
        maxAbsDiff(flat(result.zLogVar ?? []), expected('vae.encoder.onnx:z_log_var')),
      ).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it.each(['simple', 'sparse', 'deep', 'conv', 'vae'])('%s decode', async (id) => {
    const size = { conv: 128, vae: 2 }[id] ?? 32;
    const codes = sampleCodes(size);
    const rows = Array.from({ length: 3 }, (_, i) => codes.subarray(i * size, (i + 1) * size));
    const { images: out } = await api.decode(id, rows);
    expect(maxAbsDiff(flat(out), expected(`${id}.decoder.onnx:reconstruction`))).toBeLessThanOrEqual(
      TOLERANCE,
    );
  });

  it('denoise, as sent and after server-side noise', async () => {
    const clean = await api.denoise(images);
    expect(maxAbsDiff(flat(clean.images), expected('denoise.onnx:reconstruction'))).toBeLessThanOrEqual(
      TOLERANCE,
    );
    const noisy = await api.denoise(images, { noise: DENOISE_NOISE, seed: DENOISE_SEED });
    expect(maxAbsDiff(flat(noisy.images), reference.denoisedNoisy)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('the VAE manifold', async () => {
    const result = await api.manifold(MANIFOLD_N, { as: 'json' });
    expect(maxAbsDiff(result.points.flat(), Array.from(manifoldPoints(MANIFOLD_N).data))).toBe(0);
    expect(maxAbsDiff(flat(result.images), reference.manifold)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('a PNG upload: preprocessing in workerd equals Node, and so does the model', async () => {
    const { images: out } = await api.reconstruct('simple', { png: samplePng() });
    expect(maxAbsDiff(flat(out), reference.pngReconstruction)).toBeLessThanOrEqual(TOLERANCE);
    expect(reference.pngInput).toHaveLength(IMAGE_SIZE);
    expect(reference.pngInput.some((v) => v > 0.9)).toBe(true);
  });
});
