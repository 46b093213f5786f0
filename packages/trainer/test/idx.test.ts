import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseIdx } from '../src/data/idx.ts';
import { loadDataset } from '../src/data/mnist.ts';
import { UserError } from '../src/errors.ts';

/** An IDX file of unsigned bytes with the given dimensions. */
function idx(dims: number[], fill: (i: number) => number = (i) => i % 256): Uint8Array {
  const n = dims.reduce((a, b) => a * b, 1);
  const bytes = new Uint8Array(4 + 4 * dims.length + n);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x0800 | dims.length);
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d);
  });
  for (let i = 0; i < n; i++) bytes[4 + 4 * dims.length + i] = fill(i);
  return bytes;
}

describe('parseIdx', () => {
  it('reads dimensions and data', () => {
    const parsed = parseIdx(idx([2, 3, 4]), 'x', 3);
    expect(parsed.dims).toEqual([2, 3, 4]);
    expect(parsed.data.length).toBe(24);
    expect(parsed.data[5]).toBe(5);
  });

  it('rejects a wrong magic number, naming the file', () => {
    const bytes = idx([2, 3, 4]);
    bytes[2] = 0x0d; // float data
    expect(() => parseIdx(bytes, 'train-images-idx3-ubyte', 3)).toThrow(
      /^train-images-idx3-ubyte: wrong magic number 0x00000d03/,
    );
    expect(() => parseIdx(idx([5]), 'labels', 3)).toThrow(
      /labels: wrong magic number 0x00000801 \(expected 0x00000803/,
    );
  });

  it('rejects truncated headers and data', () => {
    expect(() => parseIdx(new Uint8Array([0, 0]), 'f', 1)).toThrow('f: truncated: 2 bytes');
    expect(() => parseIdx(idx([2, 3, 4]).subarray(0, 10), 'f', 3)).toThrow(
      /f: truncated: 10 bytes, header needs 16/,
    );
    expect(() => parseIdx(idx([2, 3, 4]).subarray(0, 30), 'f', 3)).toThrow(
      'f: truncated: header declares 2×3×4 = 24 values but only 14 follow',
    );
  });

  it('rejects trailing bytes', () => {
    const bytes = new Uint8Array([...idx([3]), 9]);
    expect(() => parseIdx(bytes, 'f', 1)).toThrow('f: 1 unexpected bytes after the 3 values');
  });
});

describe('loadDataset', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'idx-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(files: Record<string, Uint8Array>) {
    for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(dir, name), bytes);
  }

  it('reads gzip-compressed and raw files, scaling pixels to [0, 1]', async () => {
    await write({
      'train-images-idx3-ubyte.gz': gzipSync(idx([3, 28, 28], () => 255)),
      'train-labels-idx1-ubyte.gz': gzipSync(idx([3], (i) => i)),
      't10k-images-idx3-ubyte': idx([2, 28, 28], () => 51),
      't10k-labels-idx1-ubyte': idx([2], () => 7),
    });
    const data = await loadDataset(dir);
    expect(data.train.count).toBe(3);
    expect(data.train.images.length).toBe(3 * 784);
    expect(data.train.images[100]).toBe(1);
    expect([...data.train.labels]).toEqual([0, 1, 2]);
    expect(data.test.images[0]).toBeCloseTo(0.2, 6);
    expect(data.source).toBe(path.resolve(dir));
  });

  it('accepts prefixed names such as EMNIST ships', async () => {
    await write({
      'emnist-digits-train-images-idx3-ubyte.gz': gzipSync(idx([1, 28, 28])),
      'emnist-digits-train-labels-idx1-ubyte.gz': gzipSync(idx([1])),
      'emnist-digits-test-images-idx3-ubyte.gz': gzipSync(idx([1, 28, 28])),
      'emnist-digits-test-labels-idx1-ubyte.gz': gzipSync(idx([1])),
    });
    expect((await loadDataset(dir)).test.count).toBe(1);
  });

  it('limits the training images', async () => {
    await write({
      'train-images-idx3-ubyte': idx([5, 28, 28]),
      'train-labels-idx1-ubyte': idx([5]),
      't10k-images-idx3-ubyte': idx([2, 28, 28]),
      't10k-labels-idx1-ubyte': idx([2]),
    });
    expect((await loadDataset(dir, { limit: 2 })).train.count).toBe(2);
  });

  it('names a missing file', async () => {
    await write({ 'train-images-idx3-ubyte': idx([1, 28, 28]) });
    await expect(loadDataset(dir)).rejects.toThrow(
      `${dir}: missing train-labels-idx1-ubyte (or train-labels-idx1-ubyte.gz)`,
    );
  });

  it('names a missing folder', async () => {
    await expect(loadDataset(path.join(dir, 'nope'))).rejects.toThrow(/nope: no such data folder/);
  });

  it('rejects mismatched image and label counts', async () => {
    await write({
      'train-images-idx3-ubyte': idx([4, 28, 28]),
      'train-labels-idx1-ubyte': idx([3]),
      't10k-images-idx3-ubyte': idx([2, 28, 28]),
      't10k-labels-idx1-ubyte': idx([2]),
    });
    const error = await loadDataset(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      `${path.join(dir, 'train-labels-idx1-ubyte')}: 3 labels for the 4 images of train-images-idx3-ubyte`,
    );
  });

  it('rejects images that are not 28×28', async () => {
    await write({
      'train-images-idx3-ubyte': idx([1, 32, 32]),
      'train-labels-idx1-ubyte': idx([1]),
      't10k-images-idx3-ubyte': idx([1, 28, 28]),
      't10k-labels-idx1-ubyte': idx([1]),
    });
    await expect(loadDataset(dir)).rejects.toThrow(/images are 32×32, the models need 28×28/);
  });

  it('rejects broken gzip data', async () => {
    await write({
      'train-images-idx3-ubyte.gz': gzipSync(idx([1, 28, 28])).subarray(0, 20),
      'train-labels-idx1-ubyte': idx([1]),
      't10k-images-idx3-ubyte': idx([1, 28, 28]),
      't10k-labels-idx1-ubyte': idx([1]),
    });
    await expect(loadDataset(dir)).rejects.toThrow(/train-images-idx3-ubyte.gz: broken gzip data/);
  });
});
