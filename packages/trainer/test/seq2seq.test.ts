// The seq2seq model trains through the kernels package's fused LSTM op (lstmSequence) but saves its
// tf.layers.lstm layers: the loss it trains on must be what those layers compute.
import { seededRandom } from '@autoencoders/modelkit';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.ts';
import { bce } from '../src/models/losses.ts';
import { seq2seq } from '../src/models/seq2seq.ts';

beforeAll(async () => {
  await selectBackend('wasm', 1);
});

describe('the seq2seq model', () => {
  it('trains on the loss its saved layers compute', async () => {
    await tf.setBackend('wasm');
    const networks = seq2seq.build({});
    const random = seededRandom(3);
    const x = tf.tensor2d(
      Float32Array.from({ length: 4 * 784 }, () => random()),
      [4, 784],
    );
    const fused = networks.loss({ input: x, target: x, seed: 1 }).total.dataSync()[0] as number;
    const layers = bce(networks.autoencoder.predict(x) as tf.Tensor, x).dataSync()[0] as number;
    expect(Math.abs(fused - layers) / layers).toBeLessThan(1e-5);
  });
});
