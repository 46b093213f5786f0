/**
 * A model file whose bytes differ from the manifest's SHA-256 is refused (503) and reported by
 * /healthz, while intact models keep serving. Runs the real app and the real workerd onnxruntime
 * over a runner whose simple.decoder.onnx has one flipped byte.
 */
import { type ManifestFile, ModelRunner } from '@autoencoders/modelkit';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { manifest, modelFiles } from '../src/models.ts';
import { workerdOrt } from '../src/ort-workerd.ts';
import { expectProblem, zeros } from './helpers.ts';

function damagedApp(damage: (file: ManifestFile, bytes: Uint8Array) => Uint8Array | undefined) {
  const runner = new ModelRunner({
    manifest,
    ort: workerdOrt,
    getFile: (file) => {
      const bytes = modelFiles[file.path];
      if (!bytes) throw new Error(`${file.path} missing`);
      const damaged = damage(file, new Uint8Array(bytes).slice());
      if (!damaged) throw new Error(`${file.path} could not be read`);
      return damaged;
    },
  });
  const app = createApp(runner);
  return (path: string, init?: RequestInit) => app.request(path, init, {});
}

const post = (images: number[][]) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ images }),
});

describe('model integrity', () => {
  it('reads the manifest with its float16 variants, and serves and bundles the float32 files only', () => {
    // The browser's variants are listed (models/ has them for every model) but are not the edge's.
    expect(Object.values(manifest.models).some((m) => m.precision?.browser === 'float16')).toBe(true);
    expect(manifest.models.simple?.files.find((f) => f.role === 'encoder')?.variants?.[0]?.path).toBe(
      'simple.encoder.fp16.onnx',
    );
    const runner = new ModelRunner({ manifest, ort: workerdOrt, getFile: () => new Uint8Array() });
    const served = runner.files();
    expect(served).toHaveLength(13);
    expect(served.every((f) => f.weightsDtype === 'float32' && !f.path.endsWith('.fp16.onnx'))).toBe(true);
    expect(Object.keys(modelFiles).sort()).toEqual(served.map((f) => f.path).sort());
  });

  it('refuses a file whose SHA-256 differs, with a 503 problem, and keeps serving the rest', async () => {
    const fetch = damagedApp((file, bytes) => {
      const middle = bytes.length >> 1;
      if (file.path === 'simple.decoder.onnx') bytes[middle] = (bytes[middle] as number) ^ 0xff;
      return bytes;
    });
    const response = await fetch('/v1/models/simple/reconstruct', post([zeros()]));
    expect(response.headers.get('Retry-After')).toBe('3600');
    const problem = await expectProblem(response, 503, 'model-integrity');
    expect(problem.detail).toContain('simple.decoder.onnx has SHA-256');
    expect(problem.detail).toContain(
      manifest.models.simple?.files.find((f) => f.path === 'simple.decoder.onnx')?.sha256,
    );
    // Refused again without retrying the session; the other networks of the model still work.
    await expectProblem(
      await fetch('/v1/models/simple/decode', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ codes: [zeros(32)] }),
      }),
      503,
      'model-integrity',
    );
    await expectProblem(
      await fetch('/v1/models/simple/reconstruct', post([zeros()])),
      503,
      'model-integrity',
    );
    expect((await fetch('/v1/models/simple/encode', post([zeros()]))).status).toBe(200);
    expect((await fetch('/v1/models/conv/reconstruct', post([zeros()]))).status).toBe(200);

    const health = await fetch('/healthz');
    expect(health.status).toBe(503);
    const body = (await health.json()) as {
      status: string;
      files: { path: string; status: string; detail?: string }[];
    };
    expect(body.status).toBe('degraded');
    const simple = body.files.find((f) => f.path === 'simple.decoder.onnx');
    expect(simple?.status).toBe('mismatch');
    expect(simple?.detail).toContain('manifest lists');
    expect(body.files.filter((f) => f.status !== 'ok').map((f) => f.path)).toEqual(['simple.decoder.onnx']);
  });

  it('reports a file that cannot be read', async () => {
    const fetch = damagedApp((file, bytes) => (file.path === 'vae.decoder.onnx' ? undefined : bytes));
    const health = (await (await fetch('/healthz')).json()) as { files: { path: string; status: string }[] };
    expect(health.files.find((f) => f.path === 'vae.decoder.onnx')?.status).toBe('unreadable');
    const problem = await expectProblem(await fetch('/v1/models/vae/manifold?n=2'), 503, 'model-unavailable');
    expect(problem.detail).toContain('vae.decoder.onnx could not be read');
  });

  it('bundles exactly the files the runner serves from: every listed file but duplicate autoencoders', () => {
    const runner = new ModelRunner({ manifest, ort: workerdOrt, getFile: () => new Uint8Array() });
    const served = runner.files().map((f) => f.path);
    expect(Object.keys(modelFiles).sort()).toEqual([...served].sort());
    const left = Object.values(manifest.models).flatMap((m) =>
      m.files.filter((f) => !served.includes(f.path)).map((f) => [m.id, f.role]),
    );
    expect(left).toEqual(
      ['simple', 'sparse', 'deep', 'conv', 'seq2seq', 'vae'].map((id) => [id, 'autoencoder']),
    );
  });
});
