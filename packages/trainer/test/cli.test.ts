import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.ts';

const CLI = path.resolve(import.meta.dirname, '../src/cli.ts');

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: '' },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('autoencoders-train', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('documents every option in --help', () => {
    const { code, stdout } = cli('--help');
    expect(code).toBe(0);
    for (const option of [
      '--model',
      '--profile',
      '--epochs',
      '--batch-size',
      '--limit',
      '--data',
      '--out',
      '--backend',
      '--seed',
      '--resume',
      '--optimizer',
      '--lr-drop',
    ]) {
      expect(stdout).toContain(option);
    }
  });

  it.each([
    [
      ['--model', 'bogus'],
      "unknown model 'bogus' (choose from simple, sparse, deep, conv, denoise, seq2seq, vae, or all)",
    ],
    [['--epochs', '0'], "--epochs must be a positive integer, got '0'"],
    [['--batch-size', 'x'], "--batch-size must be a positive integer, got 'x'"],
    [['--backend', 'gpu'], "argument 'gpu' is invalid. Allowed choices are auto, tensorflow, wasm, cpu."],
    [['--profile', 'slow'], 'Allowed choices are quick, full.'],
    [['--seed', '-1'], "--seed must be a non-negative integer, got '-1'"],
    [['--frobnicate'], "unknown option '--frobnicate'"],
    [['--lr-drop', '50,x'], "--lr-drop must be epoch numbers separated by commas, got '50,x'"],
    [['--lr-drop', '0'], "--lr-drop must be epoch numbers separated by commas, got '0'"],
  ])('rejects %j with one clear line and exit code 2', (args, message) => {
    const { code, stderr } = cli(...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('rejects a broken data folder with one line naming the file, exit code 2', async () => {
    const data = path.join(dir, 'broken');
    await mkdir(data, { recursive: true });
    for (const name of [
      'train-images-idx3-ubyte',
      'train-labels-idx1-ubyte',
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
    ]) {
      await writeFile(path.join(data, name), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    }
    const { code, stderr } = cli('--model', 'simple', '--backend', 'cpu', '--data', data);
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(/^error: .*train-images-idx3-ubyte: wrong magic number 0x01020304/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('trains, evaluates and writes every output', () => {
    const out = path.join(dir, 'artifacts');
    const args = [
      '--model',
      'simple',
      '--limit',
      '512',
      '--batch-size',
      '32',
      '--backend',
      'wasm',
      '--out',
      out,
    ];
    const { code, stdout, stderr } = cli(...args, '--epochs', '2');
    expect(stderr).not.toMatch(/Error/);
    expect(code).toBe(0);
    expect(stdout).toMatch(/backend: wasm \(\d threads?, fast gradient kernels\)/);
    expect(stdout).toMatch(/\| simple \| 2 \| 512 \|/);
    const model = path.join(out, 'simple');
    for (const file of [
      'autoencoder/model.json',
      'autoencoder/weights.bin',
      'encoder/model.json',
      'decoder/model.json',
      'history.jsonl',
      'checkpoint.bin',
      'figures/reconstructions.png',
      'figures/codes.png',
      'figures/loss.png',
    ]) {
      expect(existsSync(path.join(model, file)), file).toBe(true);
    }
    const metrics = JSON.parse(readFileSync(path.join(model, 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({
      model: 'simple',
      epochs: 2,
      trainSamples: 512,
      seed: 1,
      test: { images: 10_000 },
    });
    expect(metrics.test.bce).toBeGreaterThan(0);
    expect(metrics.test.bce).toBeLessThan(0.5);
    expect(metrics.test.meanCodeActivation).toBeGreaterThan(0);
    // Two epochs on 512 images are far from simple's release target.
    expect(metrics.timeToTarget).toBeNull();
    expect(metrics.learningRateDrops).toEqual([]);
    const epoch = JSON.parse(
      readFileSync(path.join(model, 'history.jsonl'), 'utf8').split('\n')[0] as string,
    );
    expect(epoch.quality.bce).toBeGreaterThan(0.1);
    expect(readFileSync(path.join(model, 'history.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(existsSync(path.join(out, 'summary.md'))).toBe(true);

    // --resume with more epochs continues from the checkpoint instead of starting over.
    const resumed = cli(...args, '--epochs', '3', '--resume');
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('resuming simple after epoch 2');
    expect(readFileSync(path.join(model, 'history.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
  });
});
