import * as tf from '@tensorflow/tfjs';
import { anyValue, type Converter, checkOptions, type LayerContext, oneOf, single, weight } from './types.ts';

/** tfjs activation → the name ONNX's LSTM uses for it. */
const LSTM_ACTIVATIONS: Record<string, string> = {
  sigmoid: 'Sigmoid',
  // clip(0.2·x + 0.5, 0, 1) in both, the defaults of ONNX's HardSigmoid.
  hardSigmoid: 'HardSigmoid',
  tanh: 'Tanh',
  relu: 'Relu',
};
const activationCheck = oneOf(...Object.keys(LSTM_ACTIVATIONS));

/**
 * Keras/tfjs stack the gates as i, f, c, o along the last axis of their weights; ONNX expects
 * i, o, f, c along the first axis of W and R.
 */
function onnxGates(ctx: LayerContext, name: string): tf.Tensor {
  const w = weight(ctx, name).tensor;
  return tf.tidy(() => {
    const [i, f, c, o] = tf.split(w, 4, w.rank - 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const stacked = tf.concat([i, o, f, c], w.rank - 1);
    // [in, 4·units] → [1 direction, 4·units, in]; the bias [4·units] → [1, 4·units].
    return w.rank === 2 ? tf.expandDims(tf.transpose(stacked), 0) : tf.expandDims(stacked, 0);
  });
}

function initializer(ctx: LayerContext, name: string, tensor: tf.Tensor): string {
  const result = ctx.graph.initializer(
    `${ctx.name}/${name}`,
    tensor.dataSync() as Float32Array,
    tensor.shape,
  );
  tensor.dispose();
  return result;
}

export const lstm: Converter = (ctx) => {
  checkOptions(ctx, {
    units: anyValue,
    activation: activationCheck,
    recurrentActivation: activationCheck,
    useBias: oneOf(true, false),
    returnSequences: oneOf(true, false),
    // Neither has an exact ONNX reading here: extra outputs, carried state, reversed output order.
    returnState: oneOf(false),
    goBackwards: oneOf(false),
    stateful: oneOf(false),
  });
  const { graph, name, config } = ctx;
  const { input, outputShape } = single(ctx);
  const units = config.units as number;

  const inputs = [
    initializer(ctx, 'W', onnxGates(ctx, 'kernel')),
    initializer(ctx, 'R', onnxGates(ctx, 'recurrent_kernel')),
  ];
  if (config.useBias !== false) {
    // ONNX adds an input bias and a recurrent bias; Keras has one, so the second half stays zero.
    const keras = onnxGates(ctx, 'bias');
    inputs.push(
      initializer(
        ctx,
        'B',
        tf.tidy(() => tf.concat([keras, tf.zerosLike(keras)], 1)),
      ),
    );
    keras.dispose();
  }

  // ONNX's LSTM is time-major: [steps, batch, features].
  const perm = { perm: { ints: [1, 0, 2] } };
  const timeMajor = graph.op('Transpose', [input.name], perm, `${name}/to_time_major`);
  const recurrent = String(config.recurrentActivation ?? 'hardSigmoid');
  const activation = String(config.activation ?? 'tanh');
  const sequences = config.returnSequences === true;
  const [y, yH] = graph.node(
    'LSTM',
    [timeMajor, ...inputs],
    {
      hidden_size: { int: units },
      direction: { string: 'forward' },
      activations: {
        strings: [recurrent, activation, activation].map((a) => LSTM_ACTIVATIONS[a] as string),
      },
    },
    { name: `${name}/LSTM`, outputs: sequences ? [`${name}/Y`, ''] : ['', `${name}/Y_h`] },
  );

  // Y is [steps, directions, batch, units]; Y_h is [directions, batch, units].
  const output = sequences
    ? graph.op(
        'Transpose',
        [graph.op('Squeeze', [y as string, graph.int64(`${name}/axes`, [1])], {}, `${name}/Squeeze`)],
        perm,
        `${name}/to_batch_major`,
      )
    : graph.op('Squeeze', [yH as string, graph.int64(`${name}/axes`, [0])], {}, `${name}/Squeeze`);
  return [{ name: output, shape: outputShape, layout: 'channelsLast' }];
};
