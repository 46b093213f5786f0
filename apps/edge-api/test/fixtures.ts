/**
 * Inputs shared by the Node side (test/global-setup.ts computes onnxruntime-node's outputs for them)
 * and the worker tests (which send them to the API). Pure TypeScript and deterministic, so both
 * sides build the same bytes.
 */
import { encodePng, IMAGE_SIDE, IMAGE_SIZE, seededRandom } from '@autoencoders/modelkit';

/** A ring ("0"), a slanted stroke ("1") and seeded uniform noise: three kinds of input. */
export function sampleImages(): Float32Array {
  const out = new Float32Array(3 * IMAGE_SIZE);
  for (let y = 0; y < IMAGE_SIDE; y++) {
    for (let x = 0; x < IMAGE_SIDE; x++) {
      const r = Math.hypot((x - 13.5) / 6, (y - 13.5) / 9);
      out[y * IMAGE_SIDE + x] = Math.max(0, 1 - Math.abs(r - 1) * 4);
      const d = Math.abs(x - 14 - (14 - y) * 0.25);
      out[IMAGE_SIZE + y * IMAGE_SIDE + x] = y > 4 && y < 24 ? Math.max(0, 1 - d / 1.5) : 0;
    }
  }
  const random = seededRandom(7);
  for (let i = 0; i < IMAGE_SIZE; i++) out[2 * IMAGE_SIZE + i] = random();
  return out;
}

/** `count` codes of `size` values for a decoder, in the range a relu code or a latent point takes. */
export function sampleCodes(size: number, count = 3, seed = 11): Float32Array {
  const random = seededRandom(seed + size);
  return Float32Array.from({ length: size * count }, () => (size === 2 ? random() * 4 - 2 : random() * 3));
}

/**
 * A photo-like upload: a dark "7" on light grey paper, 60×80 RGB, so that the worker's PNG path has
 * to invert, crop, scale and centre it.
 */
export function samplePng(): Uint8Array {
  const width = 60;
  const height = 80;
  const data = new Uint8Array(width * height * 3).fill(215);
  const ink = (x: number, y: number) => {
    for (let dy = -3; dy <= 3; dy++) {
      for (let dx = -3; dx <= 3; dx++) {
        const px = Math.round(x) + dx;
        const py = Math.round(y) + dy;
        if (px >= 0 && px < width && py >= 0 && py < height)
          data.fill(30, (py * width + px) * 3, (py * width + px) * 3 + 3);
      }
    }
  };
  for (let t = 0; t <= 1; t += 0.01) {
    ink(12 + 34 * t, 14);
    ink(46 - 22 * t, 14 + 52 * t);
  }
  return encodePng({ width, height, channels: 3, data });
}

export const MANIFOLD_N = 5;
export const DENOISE_NOISE = 0.5;
export const DENOISE_SEED = 3;

/** What the Node side hands the worker tests (vitest `provide`/`inject`: JSON-serialisable). */
export interface Reference {
  /** `<file path>:<output name>` → outputs, flat, for the fixture inputs above. */
  outputs: Record<string, number[]>;
  /** The MNIST-style input the PNG above becomes, computed in Node. */
  pngInput: number[];
  /** The denoiser's output for `sampleImages()` corrupted with DENOISE_NOISE/DENOISE_SEED. */
  denoisedNoisy: number[];
  /** The VAE decoder over manifoldPoints(MANIFOLD_N). */
  manifold: number[];
  /** simple.onnx over the PNG input. */
  pngReconstruction: number[];
}

export interface BuildReport {
  ok: boolean;
  /** wrangler's own line, e.g. "Total Upload: 24584.93 KiB / gzip: 12583.28 KiB". */
  summary: string;
  bytes: number;
  files: Record<string, number>;
  log: string;
}

/** Hostile PNGs, made in Node (zlib compresses the bombs): base64, as `provide` needs JSON. */
export interface Bombs {
  /** A 1×1 grey PNG whose image data inflates to 256 MiB. */
  idat: string;
  /** A 28×28 PNG with a valid image and an iCCP profile that inflates to 256 MiB. */
  iccp: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    reference: Reference;
    build: BuildReport;
    bombs: Bombs;
  }
}
