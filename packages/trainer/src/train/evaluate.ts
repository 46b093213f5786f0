import { CATALOG, IMAGE_SIZE, psnr, psnrOfMse, type QualityFigures } from '@autoencoders/modelkit';
import * as tf from '@tensorflow/tfjs';
import { MODELS } from '../models/index.ts';
import { bce } from '../models/losses.ts';
import type { Networks } from '../models/types.ts';
import { disposeBatch, makeBatch, ranges, STREAM } from './batches.ts';
import type { RunConfig } from './config.ts';
import { deriveSeed } from './random.ts';

/**
 * A set's figures as metrics.json records them: modelkit's `QualityFigures` (declared there once),
 * with the number of images and the VAE's loss split into its terms.
 */
export interface TestMetrics extends Omit<QualityFigures, 'vaeTotal' | 'vaeTotalAtMean'> {
  images: number;
  /**
   * The VAE, per sample: 784 · BCE with a sampled latent point, KL divergence, and their sum; and
   * the sum with the point at the mean (784 · the reconstructions' BCE + KL).
   */
  vae?: { reconstruction: number; kl: number; total: number; totalAtMean: number };
}

const CHUNK = 500;

export function evaluate(networks: Networks, config: RunConfig, images: Float32Array): TestMetrics {
  const count = images.length / IMAGE_SIZE;
  const rows = Int32Array.from({ length: count }, (_, i) => i);
  const noisy = MODELS[config.model].noisyInput === true;
  const withCode = CATALOG[config.model].codeShape !== null && config.model !== 'vae' && networks.encoder;
  let bceSum = 0;
  let mseSum = 0;
  let codeSum = 0;
  let codeValues = 0;
  let psnrNoisy = 0;
  let psnrDenoised = 0;
  const vae = { reconstruction: 0, kl: 0, total: 0 };
  for (const [start, end] of ranges(count, CHUNK)) {
    // The same seeds as the validation loss, so the noise and the VAE's samples are reproducible.
    const batch = makeBatch(images, rows.subarray(start, end), {
      noisy,
      seed: deriveSeed(config.seed, STREAM.eval, start),
    });
    const n = end - start;
    tf.tidy(() => {
      const output = networks.autoencoder.predict(batch.input) as tf.Tensor2D;
      bceSum += (bce(output, batch.target).dataSync()[0] as number) * n;
      mseSum += (tf.mean(tf.squaredDifference(output, batch.target)).dataSync()[0] as number) * n;
      if (withCode && networks.encoder) {
        const code = networks.encoder.predict(batch.input) as tf.Tensor;
        codeSum += tf.sum(code).dataSync()[0] as number;
        codeValues += code.size;
      }
      if (noisy) {
        const [input, out, target] = [batch.input, output, batch.target].map(
          (t) => t.dataSync() as Float32Array,
        );
        for (let i = 0; i < n; i++) {
          const at = (a: Float32Array | undefined) =>
            (a as Float32Array).subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE);
          psnrNoisy += psnr(at(input), at(target));
          psnrDenoised += psnr(at(out), at(target));
        }
      }
      if (config.model === 'vae') {
        const loss = networks.loss(batch);
        vae.total += (loss.total.dataSync()[0] as number) * n;
        vae.reconstruction += (loss.terms?.reconstruction?.dataSync()[0] as number) * n;
        vae.kl += (loss.terms?.kl?.dataSync()[0] as number) * n;
      }
    });
    disposeBatch(batch);
  }
  return {
    images: count,
    bce: bceSum / count,
    mse: mseSum / count,
    ...(withCode && { meanCodeActivation: codeSum / codeValues }),
    ...(noisy && {
      psnrNoisy: psnrNoisy / count,
      psnrDenoised: psnrDenoised / count,
      psnrDenoisedOfMse: psnrOfMse(mseSum / count),
    }),
    ...(config.model === 'vae' && {
      vae: {
        reconstruction: vae.reconstruction / count,
        kl: vae.kl / count,
        total: vae.total / count,
        totalAtMean: (784 * bceSum + vae.kl) / count,
      },
    }),
  };
}

/** The figures the release targets are written in, from the trainer's test metrics. */
export function qualityFigures(test: TestMetrics): QualityFigures {
  return {
    bce: test.bce,
    mse: test.mse,
    ...(test.meanCodeActivation !== undefined && { meanCodeActivation: test.meanCodeActivation }),
    ...(test.psnrNoisy !== undefined && { psnrNoisy: test.psnrNoisy }),
    ...(test.psnrDenoised !== undefined && { psnrDenoised: test.psnrDenoised }),
    ...(test.psnrDenoisedOfMse !== undefined && { psnrDenoisedOfMse: test.psnrDenoisedOfMse }),
    ...(test.vae && { vaeTotal: test.vae.total }),
    ...(test.vae?.totalAtMean !== undefined && { vaeTotalAtMean: test.vae.totalAtMean }),
  };
}
