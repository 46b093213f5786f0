// What the exporter cannot translate exactly must stop it, naming the layer, its class and the option.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../src/backend.ts';
import { convertLayersModel } from '../src/convert.ts';
import { UnsupportedLayerError } from '../src/converters/index.ts';
import { PRODUCER } from './helpers.ts';

function convert(inputShape: number[], layer: tf.layers.Layer): () => Uint8Array {
  const input = tf.input({ shape: inputShape });
  const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
  return () =>
    convertLayersModel(model, {
      inputNames: ['x'],
      outputNames: ['y'],
      graphName: 'test',
      producer: PRODUCER,
    });
}

function errorOf(run: () => unknown): UnsupportedLayerError {
  try {
    run();
  } catch (error) {
    if (error instanceof UnsupportedLayerError) return error;
    throw error;
  }
  throw new Error('the export did not fail');
}

beforeAll(useCpuBackend);

describe('unsupported layers and options', () => {
  it('a layer class without a converter', () => {
    const error = errorOf(convert([4], tf.layers.batchNormalization({ name: 'bn' })));
    expect(error.message).toMatch(
      /^cannot export layer 'bn' \(BatchNormalization\): no converter for layer class BatchNormalization \(supported: .*Dense.*\)$/,
    );
    expect(error).toMatchObject({ layer: 'bn', className: 'BatchNormalization', option: null });
  });

  it('an activation without an ONNX equivalent here', () => {
    const error = errorOf(
      convert([4], tf.layers.dense({ units: 3, activation: 'selu', name: 'dense_selu' })),
    );
    expect(error.message).toBe(
      `cannot export layer 'dense_selu' (Dense): option activation = "selu" is not supported (supported: linear, relu, sigmoid, tanh, hardSigmoid, elu, softplus, softmax)`,
    );
    expect(error).toMatchObject({ layer: 'dense_selu', className: 'Dense', option: 'activation' });
  });

  it.each([
    [
      'goBackwards',
      tf.layers.lstm({ units: 2, goBackwards: true, recurrentActivation: 'sigmoid', name: 'l' }),
      [3, 2],
    ],
    ['recurrentActivation', tf.layers.lstm({ units: 2, recurrentActivation: 'selu', name: 'l' }), [3, 2]],
    [
      'interpolation',
      tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear', name: 'u' }),
      [2, 2, 1],
    ],
  ] as const)('option %s', (option, layer, shape) => {
    const error = errorOf(convert([...shape], layer));
    expect(error.message).toMatch(/^cannot export layer '[lu]' \((LSTM|UpSampling2D)\): option \w+ = /);
    expect(error.option).toBe(option);
  });

  it('a model nested as a layer', () => {
    const innerInput = tf.input({ shape: [3] });
    const inner = tf.model({
      inputs: innerInput,
      outputs: tf.layers.dense({ units: 2 }).apply(innerInput) as tf.SymbolicTensor,
      name: 'inner',
    });
    const error = errorOf(convert([3], inner as unknown as tf.layers.Layer));
    expect(error.message).toMatch(/^cannot export layer 'inner' \(\w+\): no converter for layer class/);
  });

  it('TimeDistributed around anything but Dense', () => {
    const layer = tf.layers.timeDistributed({ layer: tf.layers.repeatVector({ n: 2 }), name: 'td' });
    const error = errorOf(convert([3, 4], layer));
    expect(error.message).toBe(
      "cannot export layer 'td' (TimeDistributed): wraps a RepeatVector; only TimeDistributed(Dense) is supported",
    );
  });
});
