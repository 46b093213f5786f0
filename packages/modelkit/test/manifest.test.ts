import { describe, expect, it } from 'vitest';
import { type Manifest, ManifestError, manifestFileFor, parseManifest } from '../src/manifest.ts';

const tensor = (name: string, size: number) => ({ name, shape: ['batch', size], dtype: 'float32' });
const file = (role: string, path: string, inputs: object[], outputs: object[]) => ({
  role,
  path,
  inputs,
  outputs,
  opset: 17,
  bytes: 1234,
  sha256: 'a'.repeat(64),
  parity: { maxAbsDiff: 6e-8, samples: 256 },
});

/** A manifest as the exporter writes it, for two models. */
function valid() {
  return {
    version: 1,
    createdAt: '2026-01-02T03:04:05.000Z',
    generator: { name: '@autoencoders/exporter', version: '0.1.0' },
    models: {
      simple: {
        id: 'simple',
        title: 'Fully-connected 784→32→784',
        operations: ['reconstruct', 'encode', 'decode'],
        metrics: { finalValLoss: 0.1, test: { bce: 0.09 } },
        provenance: {
          command: 'autoencoders-train --model simple',
          seed: 1,
          dataset: 'mnist',
          trainedAt: '2026-01-01T00:00:00Z',
          images: {
            train: { split: 'train', start: 0, count: 55_000, use: 'training' },
            validation: { split: 'train', start: 55_000, count: 5_000, use: 'choice of epoch' },
            test: { split: 'test', start: 0, count: 10_000, use: 'reported once' },
          },
        },
        files: [
          file('autoencoder', 'simple.onnx', [tensor('image', 784)], [tensor('reconstruction', 784)]),
          file('encoder', 'simple.encoder.onnx', [tensor('image', 784)], [tensor('code', 32)]),
        ],
      },
      vae: {
        id: 'vae',
        title: 'Variational, 2-D latent',
        operations: ['generate'],
        metrics: {},
        provenance: { command: null, seed: null, dataset: null, trainedAt: null },
        files: [file('decoder', 'vae.decoder.onnx', [tensor('latent', 2)], [tensor('reconstruction', 784)])],
      },
    },
  };
}

type Json = ReturnType<typeof valid>;

describe('parseManifest', () => {
  it('accepts a valid manifest and returns it typed', () => {
    const manifest: Manifest = parseManifest(valid());
    expect(manifest).toEqual(valid());
    expect(manifestFileFor(manifest, 'simple', 'encoder')?.outputs[0]?.name).toBe('code');
    expect(manifestFileFor(manifest, 'vae', 'encoder')).toBeUndefined();
  });

  it('survives a JSON round trip', () => {
    expect(parseManifest(JSON.parse(JSON.stringify(valid())))).toEqual(valid());
  });

  it.each<[string, (m: Json) => unknown, string]>([
    ['not an object', () => [], 'manifest must be an object, got an array'],
    ['another version', (m) => ({ ...m, version: 2 }), 'version must be 1, got number 2'],
    [
      'no createdAt',
      (m) => ({ ...m, createdAt: undefined }),
      'createdAt must be a non-empty string, got nothing',
    ],
    [
      'a createdAt that is no date',
      (m) => ({ ...m, createdAt: 'yesterday' }),
      'createdAt must be an ISO 8601 date',
    ],
    [
      'no generator version',
      (m) => ({ ...m, generator: { name: 'x' } }),
      'generator.version must be a non-empty string',
    ],
    [
      'an unknown model',
      (m) => ({ ...m, models: { ...m.models, mystery: { ...m.models.simple, id: 'mystery' } } }),
      'models.mystery.id is not a known model id',
    ],
    [
      'an id that is not its key',
      (m) => ({ ...m, models: { vae: m.models.simple } }),
      'models.vae.id must equal its key "vae", got "simple"',
    ],
  ])('rejects %s', (_, mutate, message) => {
    expect(() => parseManifest(mutate(valid()))).toThrow(ManifestError);
    expect(() => parseManifest(mutate(valid()))).toThrow(message);
  });

  it.each<[string, (m: Json) => void, string]>([
    [
      'an unknown operation',
      (m) => {
        m.models.simple.operations[0] = 'paint';
      },
      'models.simple.operations[0] must be one of reconstruct, encode, decode, denoise, generate, manifold, got "paint"',
    ],
    [
      'a seed that is not a number',
      (m) => {
        (m.models.simple.provenance as { seed: unknown }).seed = '1';
      },
      'models.simple.provenance.seed must be a finite number, got "1"',
    ],
    [
      'validation images that overlap the training images',
      (m) => {
        m.models.simple.provenance.images.validation.start = 54_000;
      },
      'models.simple.provenance.images.validation overlaps the training images',
    ],
    [
      'test images from an unknown file',
      (m) => {
        (m.models.simple.provenance.images.test as { split: string }).split = 'extra';
      },
      'models.simple.provenance.images.test.split must be one of train, test, got "extra"',
    ],
    [
      'metrics that are not an object',
      (m) => {
        (m.models.vae as { metrics: unknown }).metrics = 3;
      },
      'models.vae.metrics must be an object, got number 3',
    ],
    [
      'no files',
      (m) => {
        m.models.vae.files = [];
      },
      'models.vae.files must list at least one file',
    ],
    [
      'an unknown role',
      (m) => {
        (m.models.simple.files[1] as { role: string }).role = 'middle';
      },
      'models.simple.files[1].role must be one of autoencoder, encoder, decoder, got "middle"',
    ],
    [
      'a role listed twice',
      (m) => {
        (m.models.simple.files[1] as { role: string }).role = 'autoencoder';
      },
      'models.simple.files[1].role repeats the role "autoencoder"',
    ],
    [
      'a path leaving the folder',
      (m) => {
        (m.models.simple.files[0] as { path: string }).path = '../secrets.onnx';
      },
      'models.simple.files[0].path must be a plain file name, got "../secrets.onnx"',
    ],
    [
      'a dimension that is neither a size nor batch',
      (m) => {
        (m.models.simple.files[0] as { inputs: object[] }).inputs = [
          { name: 'image', shape: ['n', 784], dtype: 'float32' },
        ];
      },
      'models.simple.files[0].inputs[0].shape[0] must be an integer ≥ 1, got "n"',
    ],
    [
      'another dtype',
      (m) => {
        (m.models.simple.files[0] as { outputs: object[] }).outputs = [
          { name: 'r', shape: ['batch', 784], dtype: 'uint8' },
        ];
      },
      'models.simple.files[0].outputs[0].dtype must be one of float32, got "uint8"',
    ],
    [
      'no outputs',
      (m) => {
        (m.models.simple.files[0] as { outputs: object[] }).outputs = [];
      },
      'models.simple.files[0].outputs must list at least one tensor',
    ],
    [
      'a bad sha256',
      (m) => {
        (m.models.vae.files[0] as { sha256: string }).sha256 = 'ABC';
      },
      'models.vae.files[0].sha256 must be 64 lowercase hex digits, got "ABC"',
    ],
    [
      'a negative parity',
      (m) => {
        (m.models.vae.files[0] as { parity: object }).parity = { maxAbsDiff: -1, samples: 1 };
      },
      'models.vae.files[0].parity.maxAbsDiff must be ≥ 0, got -1',
    ],
    [
      'a fractional byte count',
      (m) => {
        (m.models.vae.files[0] as { bytes: number }).bytes = 1.5;
      },
      'models.vae.files[0].bytes must be an integer ≥ 1, got number 1.5',
    ],
  ])('rejects %s, naming the field', (_, mutate, message) => {
    const manifest = valid();
    mutate(manifest);
    expect(() => parseManifest(manifest)).toThrow(`invalid manifest: ${message}`);
  });
});
