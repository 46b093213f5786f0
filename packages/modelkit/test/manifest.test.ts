import { describe, expect, it } from 'vitest';
import {
  browserManifest,
  type Manifest,
  ManifestError,
  manifestFileFor,
  parseManifest,
} from '../src/manifest.ts';

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
  weightsDtype: 'float32',
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
        operations: ['decode'],
        metrics: {},
        provenance: { command: null, seed: null, dataset: null, trainedAt: null },
        files: [file('decoder', 'vae.decoder.onnx', [tensor('latent', 2)], [tensor('reconstruction', 784)])],
      },
    },
  };
}

type Json = ReturnType<typeof valid>;

const FP16_SHA = 'b'.repeat(64);

/** `valid()` after the float16 pass: simple's encoder has a variant the browser uses. */
function withFloat16(m: Json) {
  const simple = m.models.simple;
  const files = simple.files.map((f) =>
    f.role === 'encoder'
      ? {
          ...f,
          variants: [
            {
              weightsDtype: 'float16',
              path: 'simple.encoder.fp16.onnx',
              bytes: 617,
              sha256: FP16_SHA,
              parity: { maxAbsDiff: 2e-3, samples: 256 },
            },
          ],
        }
      : f,
  );
  const precision = {
    tolerance: 0.01,
    images: 10_000,
    seed: 1,
    figures: [{ metric: 'bce', float32: 0.0914, float16: 0.0915 }],
    browser: 'float16',
  };
  return { ...m, models: { ...m.models, simple: { ...simple, files, precision } } };
}

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

  it("drops the first release's `generate`, the VAE's decode under a second name", () => {
    const old = valid();
    old.models.vae.operations = ['generate', 'decode'];
    expect(parseManifest(old).models.vae?.operations).toEqual(['decode']);
  });

  it('reads a manifest written before weightsDtype, variants and precision as all float32', () => {
    const old = valid();
    for (const model of Object.values(old.models)) {
      for (const f of model.files) delete (f as { weightsDtype?: string }).weightsDtype;
    }
    const manifest = parseManifest(old);
    expect(manifest).toEqual(valid());
    expect(Object.values(manifest.models).flatMap((m) => m.files.map((f) => f.weightsDtype))).toEqual([
      'float32',
      'float32',
      'float32',
    ]);
    expect(manifest.models.simple?.precision).toBeUndefined();
    expect(browserManifest(manifest)).toEqual(manifest);
  });

  it('keeps float16 variants and the precision record through a JSON round trip', () => {
    const json = withFloat16(valid());
    const manifest = parseManifest(JSON.parse(JSON.stringify(json)));
    expect(manifest).toEqual(json);
    expect(manifest.models.simple?.files[1]?.variants?.[0]?.path).toBe('simple.encoder.fp16.onnx');
    expect(manifest.models.simple?.precision?.browser).toBe('float16');
    expect(manifest.models.simple?.precision?.figures[0]).toEqual({
      metric: 'bce',
      float32: 0.0914,
      float16: 0.0915,
    });
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
      'models.simple.operations[0] must be one of reconstruct, encode, decode, denoise, manifold, got "paint"',
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

  type Fp16Json = ReturnType<typeof withFloat16>;
  const variant = (m: Fp16Json) =>
    (m.models.simple.files[1] as { variants: Record<string, unknown>[] }).variants[0] as Record<
      string,
      unknown
    >;
  it.each<[string, (m: Fp16Json) => void, string]>([
    [
      'an unknown weights dtype',
      (m) => {
        (m.models.simple.files[0] as { weightsDtype: string }).weightsDtype = 'int8';
      },
      'models.simple.files[0].weightsDtype must be one of float32, float16, got "int8"',
    ],
    [
      'a variant leaving the folder',
      (m) => {
        variant(m).path = '../x.onnx';
      },
      'models.simple.files[1].variants[0].path must be a plain file name, got "../x.onnx"',
    ],
    [
      'a variant that is the float32 file again',
      (m) => {
        variant(m).path = 'simple.onnx';
      },
      'models.simple.files[1].variants[0].path names a file listed already: "simple.onnx"',
    ],
    [
      'a float32 variant',
      (m) => {
        variant(m).weightsDtype = 'float32';
      },
      'models.simple.files[1].variants[0].weightsDtype must be one of float16, got "float32"',
    ],
    [
      'a browser choice of float16 without a variant',
      (m) => {
        delete (m.models.simple.files[1] as { variants?: unknown }).variants;
      },
      'models.simple.precision.browser is float16, but no file lists a float16 variant',
    ],
    [
      'a figure in an unknown metric',
      (m) => {
        (m.models.simple.precision.figures[0] as { metric: string }).metric = 'accuracy';
      },
      'models.simple.precision.figures[0].metric must be one of bce, meanCodeActivation, psnrDenoised, vaeTotal, got "accuracy"',
    ],
    [
      'a figure that is not a number',
      (m) => {
        (m.models.simple.precision.figures[0] as { float16: unknown }).float16 = null;
      },
      'models.simple.precision.figures[0].float16 must be a finite number, got null',
    ],
  ])('rejects %s, naming the field', (_, mutate, message) => {
    const manifest = withFloat16(valid());
    mutate(manifest);
    expect(() => parseManifest(manifest)).toThrow(`invalid manifest: ${message}`);
  });
});

describe('browserManifest', () => {
  it('swaps in the float16 variants of models whose browser choice is float16, and nothing else', () => {
    const manifest = parseManifest(withFloat16(valid()));
    const browser = browserManifest(manifest);
    const [autoencoder, encoder] = browser.models.simple?.files ?? [];
    // No variant: the float32 file stays.
    expect(autoencoder).toEqual(manifest.models.simple?.files[0]);
    expect(encoder).toMatchObject({
      role: 'encoder',
      path: 'simple.encoder.fp16.onnx',
      bytes: 617,
      sha256: FP16_SHA,
      weightsDtype: 'float16',
      inputs: manifest.models.simple?.files[1]?.inputs,
      outputs: manifest.models.simple?.files[1]?.outputs,
    });
    expect(encoder?.variants).toBeUndefined();
    expect(browser.models.vae).toEqual(manifest.models.vae);
    // The input is left as it was.
    expect(manifest.models.simple?.files[1]?.path).toBe('simple.encoder.onnx');
  });

  it('keeps float32 where the browser choice is float32, variants or not', () => {
    const json = withFloat16(valid());
    json.models.simple.precision.browser = 'float32';
    const manifest = parseManifest(json);
    expect(browserManifest(manifest).models.simple?.files.map((f) => f.path)).toEqual([
      'simple.onnx',
      'simple.encoder.onnx',
    ]);
  });
});
