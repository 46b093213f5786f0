// The command line as people meet it: help, one-line errors with exit code 2, and a real run.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseManifest } from '@autoencoders/modelkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../src/backend.ts';
import { MODELS, runCommand, saveLayersModel } from './helpers.ts';

let dir: string;

const cli = (...args: string[]) => runCommand('src/cli.ts', dir, ...args);

beforeAll(async () => {
  await useCpuBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), 'exporter-cli-'));
  const networks = MODELS.simple.build({});
  for (const role of ['autoencoder', 'encoder', 'decoder'] as const) {
    const model = networks[role];
    if (model) await saveLayersModel(model, path.join(dir, 'artifacts', 'simple', role));
  }
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the CLI', () => {
  it('documents every option', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    for (const option of [
      '--in <dir>',
      '--out <dir>',
      '--model <ids>',
      '--images <file>',
      '--samples <n>',
      '--fp16-only',
      '--no-fp16',
      '--fp16-tolerance <fraction>',
      '--fp16-limit <n>',
    ]) {
      expect(stdout).toContain(option);
    }
  });

  it.each([
    [['--bogus'], "error: unknown option '--bogus'"],
    [['--model', 'simple,nope'], 'unknown model nope'],
    [['--samples', '0'], 'expected a whole number from 1 to 10000'],
    [['--in', 'missing'], `${path.sep}missing: no such artifacts folder`],
  ])('%j fails with one line and exit code 2', async (args, message) => {
    const { code, stderr } = await cli(...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('exports with real MNIST digits and prints the table', async () => {
    const { code, stdout, stderr } = await cli('--model', 'simple', '--samples', '64', '--fp16-limit', '100');
    expect(stderr).not.toContain('Error');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^simple\.encoder\.onnx +encoder +[\d.]+ KiB +\d\.\d\de-\d+ +64$/m);
    const manifest = parseManifest(
      JSON.parse(await readFile(path.join(dir, 'models', 'manifest.json'), 'utf8')),
    );
    expect(manifest.models.simple?.files).toHaveLength(3);
    // Then the float16 pass, on the first 100 test digits: both figures recorded, whatever it decided.
    expect(stdout).toMatch(/^simple +bce +0\.\d{4} +0\.\d{4} +\d+\.\d{3} % +float(16|32) /m);
    expect(manifest.models.simple?.precision?.figures[0]?.metric).toBe('bce');
    expect(manifest.models.simple?.precision?.images).toBe(100);
  });

  it('--no-fp16 writes the float32 files only', async () => {
    const { code, stdout } = await cli('--model', 'simple', '--samples', '16', '--no-fp16', '--out', 'plain');
    expect(code).toBe(0);
    expect(stdout).not.toContain('float16');
    const manifest = parseManifest(
      JSON.parse(await readFile(path.join(dir, 'plain', 'manifest.json'), 'utf8')),
    );
    expect(manifest.models.simple?.precision).toBeUndefined();
    expect(manifest.models.simple?.files.map((f) => [f.weightsDtype, f.variants])).toEqual([
      ['float32', undefined],
      ['float32', undefined],
      ['float32', undefined],
    ]);
  });
});
