// Each converter on its own: a tiny model around one layer, tfjs vs onnxruntime-node on random inputs.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../src/backend.ts';
import { SUPPORTED_ACTIVATIONS } from '../src/converters/index.ts';
import { parityOf } from './helpers.ts';

const TOLERANCE = 1e-5;
type ConvArgs = Parameters<typeof tf.layers.conv2d>[0];
type PoolArgs = Parameters<typeof tf.layers.maxPooling2d>[0];
type LstmArgs = Parameters<typeof tf.layers.lstm>[0];

const randomBias = (seed: number) => tf.initializers.randomNormal({ mean: 0, stddev: 0.5, seed });

function around(inputShape: number[], ...layers: tf.layers.Layer[]): tf.LayersModel {
  const input = tf.input({ shape: inputShape });
  const output = layers.reduce((x, layer) => layer.apply(x) as tf.SymbolicTensor, input);
  return tf.model({ inputs: input, outputs: output });
}

beforeAll(useCpuBackend);

describe('Dense', () => {
  it('maps to Gemm with the fused activation', async () => {
    const model = around(
      [5],
      tf.layers.dense({ units: 3, activation: 'relu', biasInitializer: randomBias(1) }),
    );
    expect((await parityOf(model)).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });

  it('works without a bias', async () => {
    const model = around([5], tf.layers.dense({ units: 4, useBias: false, activation: 'tanh' }));
    expect((await parityOf(model)).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });

  it('maps to MatMul + Add on a sequence', async () => {
    const model = around([6, 5], tf.layers.dense({ units: 3, biasInitializer: randomBias(2) }));
    expect((await parityOf(model)).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('Activation', () => {
  it.each(SUPPORTED_ACTIVATIONS)('%s', async (activation) => {
    const model = around([7], tf.layers.activation({ activation: activation as 'relu' }));
    expect((await parityOf(model, { range: [-4, 4] })).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });

  it('softmax over the channels of an image', async () => {
    const model = around([5, 5, 3], tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'softmax' }));
    expect((await parityOf(model)).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('Conv2D', () => {
  it.each<Omit<ConvArgs, 'filters'>>([
    { padding: 'same', kernelSize: 3 },
    { padding: 'valid', kernelSize: 3 },
    { padding: 'same', kernelSize: [2, 3], strides: 2 },
    { padding: 'valid', kernelSize: 3, strides: [2, 1] },
    { padding: 'same', kernelSize: 3, dilationRate: 2 },
  ])('%o', async (options) => {
    const model = around(
      [7, 9, 2],
      tf.layers.conv2d({ filters: 3, activation: 'relu', biasInitializer: randomBias(3), ...options }),
    );
    expect((await parityOf(model)).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });

  it('works without a bias', async () => {
    const model = around([6, 6, 1], tf.layers.conv2d({ filters: 2, kernelSize: 3, useBias: false }));
    expect((await parityOf(model)).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('MaxPooling2D', () => {
  it.each<PoolArgs>([
    // 7×7 → 4×4: TensorFlow pads the odd row and column at the end.
    { poolSize: 2, padding: 'same' },
    { poolSize: 2, padding: 'valid' },
    { poolSize: 3, strides: 2, padding: 'same' },
    { poolSize: [3, 2], strides: [1, 2], padding: 'valid' },
  ])('%o', async (options) => {
    const model = around([7, 7, 3], tf.layers.maxPooling2d(options));
    expect((await parityOf(model)).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('UpSampling2D', () => {
  it.each([
    [2, 2],
    [2, 3],
    [1, 2],
  ])('size %i×%i', async (h, w) => {
    const model = around([3, 4, 2], tf.layers.upSampling2d({ size: [h, w] }));
    expect((await parityOf(model)).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('Reshape and Flatten', () => {
  it('reshapes a vector into a sequence', async () => {
    const model = around([12], tf.layers.reshape({ targetShape: [3, 4] }));
    expect((await parityOf(model)).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });

  it('keeps -1 in the target shape', async () => {
    const model = around([12], tf.layers.reshape({ targetShape: [-1, 3] }));
    expect((await parityOf(model)).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });

  it("flattens a convolution's output in tfjs's channels-last order", async () => {
    const model = around(
      [24],
      tf.layers.reshape({ targetShape: [4, 3, 2] }),
      tf.layers.conv2d({ filters: 3, kernelSize: 2, padding: 'same', biasInitializer: randomBias(4) }),
      tf.layers.flatten(),
    );
    expect((await parityOf(model)).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });

  it('reshapes an image back to a vector after a convolution', async () => {
    const model = around(
      [16],
      tf.layers.reshape({ targetShape: [4, 4, 1] }),
      tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }),
      tf.layers.reshape({ targetShape: [32] }),
    );
    expect((await parityOf(model)).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('LSTM', () => {
  it.each<Partial<LstmArgs>>([
    { returnSequences: false, recurrentActivation: 'sigmoid' },
    { returnSequences: true, recurrentActivation: 'sigmoid' },
    // tfjs's default, clip(0.2·x + 0.5, 0, 1)
    { returnSequences: true, recurrentActivation: 'hardSigmoid' },
    { returnSequences: false, recurrentActivation: 'sigmoid', activation: 'relu' },
    { returnSequences: true, recurrentActivation: 'sigmoid', useBias: false },
  ])('%o', async (options) => {
    const model = around([5, 3], tf.layers.lstm({ units: 4, biasInitializer: randomBias(5), ...options }));
    expect((await parityOf(model, { range: [-2, 2] })).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('RepeatVector and TimeDistributed', () => {
  it('repeats a vector', async () => {
    const model = around([3], tf.layers.repeatVector({ n: 4 }));
    expect((await parityOf(model)).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });

  it('applies a Dense to every step', async () => {
    const model = around(
      [4, 3],
      tf.layers.timeDistributed({
        layer: tf.layers.dense({ units: 2, activation: 'sigmoid', biasInitializer: randomBias(6) }),
      }),
    );
    expect((await parityOf(model)).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('the model walk', () => {
  it('exports a sequential model', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 3, inputShape: [4], activation: 'sigmoid' }),
        tf.layers.dense({ units: 2 }),
      ],
    });
    expect((await parityOf(model)).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });

  it('exports a layer shared by two branches, and two outputs', async () => {
    const input = tf.input({ shape: [4] });
    const shared = tf.layers.dense({ units: 4, activation: 'relu', biasInitializer: randomBias(7) });
    const a = shared.apply(input) as tf.SymbolicTensor;
    const b = shared.apply(a) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: [a, b] });
    expect((await parityOf(model)).maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
  });

  it('publishes a rank-4 output in tfjs order and keeps the batch dimension free', async () => {
    const model = around([4, 4, 1], tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }));
    const parity = await parityOf(model, { samples: 3 });
    expect(parity.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);
    expect(parity.samples).toBe(3);
  });
});
