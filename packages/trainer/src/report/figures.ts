import path from 'node:path';
import { CATALOG, encodePng, IMAGE_SIZE, manifoldPoints, tile } from '@autoencoders/modelkit';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../io/atomic.ts';
import { MODELS } from '../models/index.ts';
import type { Networks } from '../models/types.ts';
import { disposeBatch, makeBatch, STREAM } from '../train/batches.ts';
import type { RunConfig } from '../train/config.ts';
import { deriveSeed } from '../train/random.ts';
import type { EpochRecord } from '../train/train.ts';
import { latentScatter, lossChart } from './charts.ts';

const DIGITS = 10;
const MANIFOLD = 15;

/** Writes the post's pictures for one model into `dir`; returns the file names. */
export async function writeFigures(
  dir: string,
  networks: Networks,
  config: RunConfig,
  history: EpochRecord[],
  test: { images: Float32Array; labels: Uint8Array },
  chosenEpoch = history.length,
): Promise<string[]> {
  const files: Record<string, Uint8Array> = {};
  const rows = Int32Array.from({ length: DIGITS }, (_, i) => i);
  const noisy = MODELS[config.model].noisyInput === true;
  const batch = makeBatch(test.images, rows, { noisy, seed: deriveSeed(config.seed, STREAM.eval, 0) });
  const [input, output, target] = tf.tidy(() => [
    batch.input.dataSync() as Float32Array,
    (networks.autoencoder.predict(batch.input) as tf.Tensor).dataSync() as Float32Array,
    batch.target.dataSync() as Float32Array,
  ]);
  // 10 test digits over their reconstructions; the denoiser shows noisy, denoised and clean.
  const strips = noisy ? [input, output, target] : [target, output];
  files['reconstructions.png'] = encodePng(
    upscale(tile(concat(strips), strips.length * DIGITS, { cols: DIGITS }), 2),
  );

  const codeShape = CATALOG[config.model].codeShape;
  const encoder = networks.encoder;
  if (encoder && codeShape && config.model !== 'vae') {
    const codes = tf.tidy(() => (encoder.predict(batch.input) as tf.Tensor).dataSync() as Float32Array);
    // conv's 4×4×8 code as a 4×32 image, as in the post; flat codes as near-square blocks.
    const [tileHeight, tileWidth] =
      codeShape.length === 3
        ? [codeShape[0] as number, codeShape.slice(1).reduce((a, b) => a * b)]
        : blockShape(codeShape[0] as number);
    files['codes.png'] = encodePng(
      upscale(
        tile(codes, DIGITS, {
          cols: tileWidth > 16 ? 2 : DIGITS,
          tileWidth,
          tileHeight,
          normalise: 'all',
          gap: 1,
        }),
        8,
      ),
    );
  }
  disposeBatch(batch);

  files['loss.png'] = lossChart({
    title: `${config.model}: loss per epoch (released: epoch ${chosenEpoch}, the lowest validation loss)`,
    xLabel: 'epoch',
    yLabel: config.model === 'vae' ? 'loss per sample (784·BCE + KL)' : 'loss',
    series: [
      { name: 'train', values: history.map((h) => h.loss) },
      {
        name: `validation (${config.validation.toLocaleString('en-US')} held-out images)`,
        values: history.map((h) => h.valLoss),
      },
    ],
  });

  if (config.model === 'vae' && encoder && networks.decoder) {
    files['manifold.png'] = encodePng(manifold(networks.decoder));
    const means = tf.tidy(() => {
      const x = tf.tensor2d(test.images, [test.images.length / IMAGE_SIZE, IMAGE_SIZE]);
      const [zMean] = encoder.predict(x) as tf.Tensor[];
      return (zMean as tf.Tensor).dataSync() as Float32Array;
    });
    files['latent.png'] = latentScatter({
      title: 'vae: test digits in the latent plane (z_mean)',
      points: means,
      labels: test.labels,
    });
  }

  await Promise.all(
    Object.entries(files).map(([name, bytes]) => writeFileAtomic(path.join(dir, name), bytes)),
  );
  return Object.keys(files);
}

/** The 15×15 digit manifold: latent points on a grid of Gaussian quantiles, as in the post. */
function manifold(decoder: tf.LayersModel) {
  const points = manifoldPoints(MANIFOLD);
  const images = tf.tidy(
    () =>
      (
        decoder.predict(tf.tensor2d(points.data, points.dims as [number, number])) as tf.Tensor
      ).dataSync() as Float32Array,
  );
  return tile(images, MANIFOLD * MANIFOLD, { cols: MANIFOLD, gap: 0, margin: 0 });
}

function concat(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

function blockShape(n: number): [number, number] {
  let h = Math.floor(Math.sqrt(n));
  while (n % h !== 0) h--;
  return [h, n / h];
}

/** Nearest-neighbour enlargement, so a 4×8 code is visible at all. */
function upscale(image: { width: number; height: number; data: Float32Array }, factor: number) {
  const width = image.width * factor;
  const height = image.height * factor;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data[y * width + x] = image.data[
        Math.floor(y / factor) * image.width + Math.floor(x / factor)
      ] as number;
    }
  }
  return { width, height, data };
}
