// The released models in the repository's models/ folder, checked the way a user would check them
// (`pnpm evaluate --models models/`), and the evaluation command's own behaviour.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MODEL_IDS, type ModelId, parseManifest, type QualityMetric } from '@autoencoders/modelkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../src/backend.ts';
import { evaluateModels, type ModelEvaluation } from '../src/evaluate.ts';
import { exportModels } from '../src/export.ts';
import { defaultImagesFile, readIdxImages } from '../src/inputs.ts';
import { MODELS, runCommand, saveLayersModel } from './helpers.ts';

/**
 * Targets the released models do not reach yet, with the figure they do reach
 * (docs/released-models.md). Every other model must meet all its targets.
 */
const KNOWN_MISSES: Partial<Record<ModelId, { metric: QualityMetric; value: number; tolerance: number }>> = {
  // The second release (docs/released-models.md, "Targets still missed": what was tried).
  denoise: { metric: 'psnrDenoised', value: 20.127, tolerance: 0.05 },
  vae: { metric: 'vaeTotal', value: 147.71, tolerance: 0.3 },
};

const RELEASED = path.resolve(import.meta.dirname, '..', '..', '..', 'models');
let dir: string;

const cli = (...args: string[]) => runCommand('src/evaluate-cli.ts', dir, ...args);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'exporter-evaluate-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the released models (models/)', () => {
  it('match the SHA-256 values of their manifest', async () => {
    const manifest = parseManifest(JSON.parse(await readFile(path.join(RELEASED, 'manifest.json'), 'utf8')));
    expect(Object.keys(manifest.models).sort()).toEqual([...MODEL_IDS].sort());
    for (const model of Object.values(manifest.models)) {
      for (const file of model?.files ?? []) {
        const bytes = await readFile(path.join(RELEASED, file.path));
        expect(createHash('sha256').update(bytes).digest('hex'), file.path).toBe(file.sha256);
        expect(bytes.length, file.path).toBe(file.bytes);
        for (const variant of file.variants ?? []) {
          const data = await readFile(path.join(RELEASED, variant.path));
          expect(createHash('sha256').update(data).digest('hex'), variant.path).toBe(variant.sha256);
          expect(data.length, variant.path).toBe(variant.bytes);
        }
      }
    }
  });

  let results: ModelEvaluation[];
  it('meet their release targets on the 10,000 MNIST test images, run from the ONNX files', async () => {
    results = await evaluateModels({ dir: RELEASED, images: await readIdxImages(defaultImagesFile()) });
    expect(results.map((r) => r.model)).toEqual([...MODEL_IDS]);
    for (const r of results) {
      const miss = KNOWN_MISSES[r.model];
      if (!miss) {
        expect(r.targets.filter((t) => !t.met).map((t) => `${r.model}: ${t.description}`)).toEqual([]);
        continue;
      }
      // Still the released figure; and once a retrained model meets the target, this list must shrink.
      const check = r.targets.find((t) => t.metric === miss.metric);
      expect(check?.met, `${r.model} meets its target now: remove it from KNOWN_MISSES`).toBe(false);
      expect(Math.abs((check?.value ?? Number.NaN) - miss.value), r.model).toBeLessThan(miss.tolerance);
    }
  });

  it('give the figures their manifest reports (the trainer measured the same weights)', async () => {
    const manifest = parseManifest(JSON.parse(await readFile(path.join(RELEASED, 'manifest.json'), 'utf8')));
    for (const r of results) {
      const metrics = manifest.models[r.model as ModelId]?.metrics as { test: { bce: number } } | undefined;
      const test = metrics?.test ?? { bce: Number.NaN };
      // The noise and the VAE's samples are drawn differently from the trainer's; the weights are the same.
      expect(Math.abs(r.figures.bce - test.bce), r.model).toBeLessThan(2e-3);
    }
  });
});

describe('pnpm evaluate', () => {
  beforeAll(async () => {
    // An untrained simple model: real files that miss their target.
    await useCpuBackend();
    const networks = MODELS.simple.build({});
    for (const role of ['autoencoder', 'encoder', 'decoder'] as const) {
      const model = networks[role];
      if (model) await saveLayersModel(model, path.join(dir, 'artifacts', 'simple', role));
    }
    await exportModels({
      inDir: path.join(dir, 'artifacts'),
      outDir: path.join(dir, 'untrained'),
      images: await readIdxImages(defaultImagesFile(), 16),
    });
  });

  it('documents every option', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    for (const option of [
      '--models <dir>',
      '--model <ids>',
      '--images <file>',
      '--limit <n>',
      '--seed <n>',
      '--json <file>',
      '--warn',
    ])
      expect(stdout).toContain(option);
  });

  it.each([
    [['--models', 'missing'], `${path.sep}missing: no such models folder`],
    [['--model', 'nope'], 'unknown model nope'],
    [['--limit', '0'], '--limit must be a positive integer'],
    [['--models', 'untrained', '--model', 'conv'], 'manifest has no conv (it has simple)'],
    [['--models', 'untrained', '--images', 'missing.idx'], 'missing.idx: cannot read the images'],
  ])('%j fails with one line and exit code 2', async (args, message) => {
    const { code, stderr } = await cli(...args);
    expect(stderr).toContain(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(code).toBe(2);
  });

  it('prints the figures, writes JSON and exits with 1 when a target is missed', async () => {
    const { code, stdout, stderr } = await cli(
      '--models',
      'untrained',
      '--limit',
      '200',
      '--json',
      'report.json',
    );
    expect(stdout).toMatch(/\| simple \| test BCE 0\.\d{4} ≤ 0\.0900 \| MISSED \|/);
    expect(stdout).toContain('1 models on 200 images');
    expect(stderr).toContain('1 target missed: simple test BCE');
    expect(code).toBe(1);
    const report = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8'));
    expect(report.count).toBe(200);
    expect(report.results[0].targets[0].met).toBe(false);
    expect(report.results[0].figures.bce).toBeGreaterThan(0.3);
  });

  it('with --warn, as pnpm start runs it through pnpm: the table, one warning line, exit code 0, no failure banner', async () => {
    const root = path.resolve(import.meta.dirname, '..', '..', '..');
    const pnpm = path.join(root, 'node_modules', '.bin', 'pnpm');
    const run = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(pnpm, ['evaluate', ...args], { cwd: root }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
        );
      });
    const untrained = path.join(dir, 'untrained');
    const warned = await run('--models', untrained, '--limit', '50', '--warn');
    expect(warned.stdout).toMatch(/\| simple \| test BCE 0\.\d{4} ≤ 0\.0900 \| MISSED \|/);
    // pnpm echoes the script it runs (`$ tsx …`); the rest is the command's own.
    const lines = warned.stderr.trimEnd().split('\n');
    expect(lines.filter((line) => !line.startsWith('$ '))).toEqual([
      expect.stringMatching(/^warning: 1 target missed: simple test BCE 0\.\d{4} ≤ 0\.0900$/),
    ]);
    expect(`${warned.stdout}${warned.stderr}`).not.toMatch(/ELIFECYCLE|Command failed/);
    expect(warned.code).toBe(0);
    // Without it (CI, scripts) a miss still fails the command.
    expect((await run('--models', untrained, '--limit', '50')).code).toBe(1);
  });

  it('refuses files that do not match their manifest', async () => {
    await cp(path.join(dir, 'untrained'), path.join(dir, 'tampered'), { recursive: true });
    const file = path.join(dir, 'tampered', 'simple.decoder.onnx');
    const bytes = await readFile(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    await writeFile(file, bytes);
    const { code, stderr } = await cli('--models', 'tampered', '--limit', '10');
    expect(stderr).toMatch(/simple\.decoder\.onnx .*sha-?256/i);
    expect(code).toBe(2);
  });
});
