import { describe, expect, it } from 'vitest';
import {
  ModelRunner,
  type OrtLike,
  type OrtSessionLike,
  type OrtTensorLike,
  sha256Hex,
} from '../src/inference.ts';
import {
  InputShapeError,
  ModelIntegrityError,
  ModelUnavailableError,
  UnknownModelError,
  UnsupportedOperationError,
} from '../src/inference-errors.ts';
import type { Manifest, ManifestFile } from '../src/manifest.ts';
import { manifoldPoints, normalQuantile } from '../src/manifold.ts';

const tensor = (name: string, ...shape: number[]) => ({
  name,
  shape: ['batch' as const, ...shape],
  dtype: 'float32' as const,
});

/** Each file's bytes are its name, so their SHA-256 is known. */
const bytesOf = (path: string) => new TextEncoder().encode(path);

async function file(
  role: ManifestFile['role'],
  path: string,
  inputs: ManifestFile['inputs'],
  outputs: ManifestFile['outputs'],
): Promise<ManifestFile> {
  const bytes = bytesOf(path);
  return {
    role,
    path,
    inputs,
    outputs,
    opset: 17,
    bytes: bytes.length,
    sha256: await sha256Hex(bytes),
    parity: { maxAbsDiff: 0, samples: 1 },
    weightsDtype: 'float32',
  };
}

async function manifest(): Promise<Manifest> {
  const model = { metrics: {}, provenance: { command: null, seed: null, dataset: null, trainedAt: null } };
  return {
    version: 1,
    createdAt: '2026-01-01T00:00:00Z',
    generator: { name: 'test', version: '0' },
    models: {
      simple: {
        ...model,
        id: 'simple',
        title: 'simple',
        operations: ['reconstruct', 'encode', 'decode'],
        files: [
          await file('autoencoder', 'simple.onnx', [tensor('image', 784)], [tensor('reconstruction', 784)]),
          await file('encoder', 'simple.encoder.onnx', [tensor('image', 784)], [tensor('code', 32)]),
          await file('decoder', 'simple.decoder.onnx', [tensor('code', 32)], [tensor('reconstruction', 784)]),
        ],
      },
      seq2seq: {
        ...model,
        id: 'seq2seq',
        title: 'seq2seq',
        operations: ['reconstruct', 'encode'],
        files: [
          await file('autoencoder', 'seq2seq.onnx', [tensor('image', 784)], [tensor('reconstruction', 784)]),
        ],
      },
      vae: {
        ...model,
        id: 'vae',
        title: 'vae',
        operations: ['reconstruct', 'encode', 'decode', 'manifold'],
        files: [
          await file(
            'encoder',
            'vae.encoder.onnx',
            [tensor('image', 784)],
            [tensor('z_mean', 2), tensor('z_log_var', 2)],
          ),
          await file('decoder', 'vae.decoder.onnx', [tensor('latent', 2)], [tensor('reconstruction', 784)]),
        ],
      },
    },
  };
}

/**
 * A stand-in onnxruntime: each session echoes its input's first value into outputs shaped as the
 * manifest says, and records what was created and run.
 */
function fakeOrt(options: { wrongShape?: boolean } = {}) {
  const created: string[] = [];
  const runs: { file: string; dims: readonly number[]; data: Float32Array }[] = [];
  let active = 0;
  let maxActive = 0;
  class Tensor implements OrtTensorLike {
    constructor(
      readonly type: 'float32',
      readonly data: Float32Array,
      readonly dims: readonly number[],
    ) {}
  }
  const ort: OrtLike = {
    Tensor,
    InferenceSession: {
      async create(model: Uint8Array): Promise<OrtSessionLike> {
        const path = new TextDecoder().decode(model);
        created.push(path);
        const m = await manifest();
        const spec = Object.values(m.models)
          .flatMap((x) => x.files)
          .find((f) => f.path === path) as ManifestFile;
        return {
          inputNames: spec.inputs.map((t) => t.name),
          outputNames: spec.outputs.map((t) => t.name),
          async run(feeds) {
            active++;
            maxActive = Math.max(maxActive, active);
            const input = feeds[spec.inputs[0]?.name as string] as Tensor;
            runs.push({ file: path, dims: input.dims, data: input.data });
            await new Promise((r) => setTimeout(r, 1));
            active--;
            const n = input.dims[0] as number;
            return Object.fromEntries(
              spec.outputs.map((o) => {
                const dims = o.shape.map((d) => (d === 'batch' ? n : d));
                if (options.wrongShape) dims[1] = 1;
                const size = dims.reduce((a, b) => a * b, 1);
                return [o.name, new Tensor('float32', new Float32Array(size).fill(input.data[0] ?? 0), dims)];
              }),
            );
          },
        };
      },
    },
  };
  return { ort, created, runs, maxActive: () => maxActive };
}

async function runner(
  options: { tamper?: string; unreadable?: string; wrongShape?: boolean } = {},
  fake = fakeOrt(options),
) {
  const reads: string[] = [];
  const r = new ModelRunner({
    manifest: await manifest(),
    ort: fake.ort,
    getFile: (f) => {
      reads.push(f.path);
      if (f.path === options.unreadable) throw new Error('ENOENT');
      const bytes = bytesOf(f.path);
      return f.path === options.tamper ? new Uint8Array([...bytes, 0]) : bytes;
    },
  });
  return { runner: r, reads, ...fake };
}

describe('ModelRunner', () => {
  it('opens each session once, on first use, and reuses it', async () => {
    const { runner: r, created, reads } = await runner();
    expect(created).toEqual([]);
    const out = await r.reconstruct('simple', new Float32Array(784 * 2).fill(0.25));
    expect(out.dims).toEqual([2, 784]);
    expect(out.data[0]).toBe(0.25);
    await Promise.all([
      r.reconstruct('simple', new Float32Array(784)),
      r.reconstruct('simple', new Float32Array(784)),
    ]);
    // simple reconstructs through its encoder and decoder: simple.onnx is never read.
    expect(created).toEqual(['simple.encoder.onnx', 'simple.decoder.onnx']);
    expect(reads).toEqual(['simple.encoder.onnx', 'simple.decoder.onnx']);
  });

  it('reconstructs through the autoencoder file only where there is no encoder and decoder', async () => {
    const { runner: r, created } = await runner();
    await r.reconstruct('seq2seq', new Float32Array(784));
    expect(created).toEqual(['seq2seq.onnx']);
    expect(r.files().map((f) => f.path)).toEqual([
      'simple.encoder.onnx',
      'simple.decoder.onnx',
      'seq2seq.onnx',
      'vae.encoder.onnx',
      'vae.decoder.onnx',
    ]);
  });

  it('warms up every file it serves from, once each', async () => {
    const { runner: r, created, runs } = await runner({ tamper: 'vae.decoder.onnx' });
    const failed = await r.warmUp();
    expect(created).toEqual(
      r
        .files()
        .map((f) => f.path)
        .filter((p) => p !== 'vae.decoder.onnx'),
    );
    expect(runs.map((run) => [run.file, run.dims])).toEqual([
      ['simple.encoder.onnx', [1, 784]],
      ['simple.decoder.onnx', [1, 32]],
      ['seq2seq.onnx', [1, 784]],
      ['vae.encoder.onnx', [1, 784]],
    ]);
    expect(failed.map((f) => [f.path, f.status])).toEqual([['vae.decoder.onnx', 'mismatch']]);
  });

  it('feeds inputs by the manifest names and shapes and returns every output', async () => {
    const { runner: r, runs } = await runner();
    const codes = await r.encode('vae', new Float32Array(784 * 3));
    expect(Object.keys(codes)).toEqual(['z_mean', 'z_log_var']);
    expect(codes.z_mean?.dims).toEqual([3, 2]);
    await r.decode('vae', new Float32Array([0, 0, 1, 1]));
    expect(runs.at(-1)?.dims).toEqual([2, 2]);
  });

  it('never runs one session twice at once', async () => {
    const fake = fakeOrt();
    const { runner: r } = await runner({}, fake);
    await Promise.all(Array.from({ length: 5 }, () => r.reconstruct('seq2seq', new Float32Array(784))));
    expect(fake.maxActive()).toBe(1);
  });

  it('refuses unknown models and operations they do not serve', async () => {
    const { runner: r } = await runner();
    // Ids reach the runner from URLs: names of Object.prototype members are unknown models too.
    for (const id of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(() => r.model(id)).toThrow(UnknownModelError);
      await expect(r.prepare(id, 'encode')).rejects.toBeInstanceOf(UnknownModelError);
      await expect(r.reconstruct(id, new Float32Array(784))).rejects.toBeInstanceOf(UnknownModelError);
    }
    await expect(r.reconstruct('nope', new Float32Array(784))).rejects.toBeInstanceOf(UnknownModelError);
    await expect(r.reconstruct('deep', new Float32Array(784))).rejects.toThrow(
      /this manifest serves simple, seq2seq, vae/,
    );
    const error = await r.decode('seq2seq', new Float32Array(64)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedOperationError);
    expect((error as UnsupportedOperationError).served).toEqual(['reconstruct', 'encode']);
    await expect(r.manifold(3, 'simple')).rejects.toBeInstanceOf(UnsupportedOperationError);
  });

  it('checks input sizes against the manifest', async () => {
    const { runner: r } = await runner();
    await expect(r.reconstruct('simple', new Float32Array(783))).rejects.toThrow(InputShapeError);
    await expect(r.reconstruct('simple', new Float32Array(0))).rejects.toThrow(/784 values each \(28×28\)/);
    await expect(r.decode('simple', new Float32Array(33))).rejects.toThrow(/codes of 32 values/);
    await expect(r.manifold(0)).rejects.toThrow(InputShapeError);
    expect(r.inputSize('vae', 'decoder')).toBe(2);
  });

  it('checks output shapes against the manifest', async () => {
    const { runner: r } = await runner({ wrongShape: true });
    await expect(r.reconstruct('seq2seq', new Float32Array(784))).rejects.toThrow(
      /seq2seq.onnx output 'reconstruction' is \[1,1\] .* the manifest says float32 \[1,784\]/,
    );
    await expect(r.reconstruct('simple', new Float32Array(784))).rejects.toThrow(
      /simple.encoder.onnx output 'code' is \[1,1\] .* the manifest says float32 \[1,32\]/,
    );
  });

  it('refuses a file whose SHA-256 differs, every time, and reports it', async () => {
    const { runner: r, created, reads } = await runner({ tamper: 'simple.decoder.onnx' });
    const error = await r.reconstruct('simple', new Float32Array(784)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelIntegrityError);
    expect((error as ModelIntegrityError).path).toBe('simple.decoder.onnx');
    await expect(r.reconstruct('simple', new Float32Array(784))).rejects.toBeInstanceOf(ModelIntegrityError);
    await expect(r.decode('simple', new Float32Array(32))).rejects.toBeInstanceOf(ModelIntegrityError);
    expect(reads).toEqual(['simple.encoder.onnx', 'simple.decoder.onnx']);
    expect(created).toEqual(['simple.encoder.onnx']);
    await r.encode('simple', new Float32Array(784));
    const status = await r.check();
    expect(status.find((s) => s.path === 'simple.decoder.onnx')).toMatchObject({
      status: 'mismatch',
      sessionOpen: false,
    });
    expect(status.find((s) => s.path === 'simple.encoder.onnx')).toMatchObject({
      status: 'ok',
      sessionOpen: true,
    });
    expect(status.filter((s) => s.status !== 'ok')).toHaveLength(1);
  });

  it('retries a file that could not be read', async () => {
    const { runner: r, reads } = await runner({ unreadable: 'vae.decoder.onnx' });
    await expect(r.manifold(2)).rejects.toBeInstanceOf(ModelUnavailableError);
    await expect(r.manifold(2)).rejects.toThrow(/vae.decoder.onnx could not be read: ENOENT/);
    expect(reads.filter((p) => p === 'vae.decoder.onnx')).toHaveLength(2);
    expect(r.status().find((s) => s.path === 'vae.decoder.onnx')?.status).toBe('unreadable');
  });

  it('prepare opens the session an operation needs', async () => {
    const { runner: r, created } = await runner();
    await r.prepare('vae', 'manifold');
    await r.prepare('simple', 'encode');
    expect(created).toEqual(['vae.decoder.onnx', 'simple.encoder.onnx']);
  });
});

describe('manifold', () => {
  it('uses Gaussian quantiles from 5 % to 95 %, x rightwards and z₂ upwards', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.05)).toBeCloseTo(-1.644854, 6);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 6);
    const { data, dims } = manifoldPoints(3);
    expect(dims).toEqual([9, 2]);
    const q = 1.6448536;
    const expected = [-q, q, 0, q, q, q, -q, 0, 0, 0, q, 0, -q, -q, 0, -q, q, -q];
    expect(Array.from(data).every((v, i) => Math.abs(v - (expected[i] as number)) < 1e-6)).toBe(true);
    expect(Array.from(manifoldPoints(1).data, Math.abs)).toEqual([0, 0]);
  });

  it('decodes n² points', async () => {
    const { runner: r, runs } = await runner();
    const { images, points } = await r.manifold(4);
    expect(images.dims).toEqual([16, 784]);
    expect(points.dims).toEqual([16, 2]);
    expect(runs[0]?.data).toEqual(points.data);
  });
});
