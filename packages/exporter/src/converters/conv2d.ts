import * as tf from '@tensorflow/tfjs';
import { activationOption, applyActivation } from './activation.ts';
import { pads, pair } from './spatial.ts';
import { anyValue, type Converter, checkOptions, oneOf, single, weight } from './types.ts';

export const conv2d: Converter = (ctx) => {
  checkOptions(ctx, {
    filters: anyValue,
    kernelSize: anyValue,
    strides: anyValue,
    padding: oneOf('same', 'valid'),
    dataFormat: oneOf('channelsLast'),
    dilationRate: anyValue,
    activation: activationOption,
    useBias: oneOf(true, false),
  });
  const { graph, name, config } = ctx;
  const { outputShape } = single(ctx);
  const input = graph.channelsFirst(single(ctx).input);
  const kernelSize = pair(config.kernelSize);
  const strides = pair(config.strides ?? 1);
  const dilations = pair(config.dilationRate ?? 1);

  // tfjs kernels are [kh, kw, in, out] (HWIO); ONNX wants [out, in, kh, kw] (OIHW).
  const kernel = weight(ctx, 'kernel');
  const oihw = tf.tidy(() => tf.transpose(kernel.tensor, [3, 2, 0, 1]));
  const kernelName = graph.initializer(`${name}/kernel`, oihw.dataSync() as Float32Array, oihw.shape);
  oihw.dispose();
  const inputs = [input.name, kernelName];
  if (config.useBias !== false) {
    const bias = weight(ctx, 'bias');
    inputs.push(graph.initializer(`${name}/bias`, bias.data, bias.shape));
  }

  const output = graph.op(
    'Conv',
    inputs,
    {
      kernel_shape: { ints: kernelSize },
      strides: { ints: strides },
      dilations: { ints: dilations },
      pads: { ints: pads(ctx, input, config.padding, kernelSize, strides, dilations) },
    },
    `${name}/Conv`,
  );
  return [applyActivation(ctx, { name: output, shape: outputShape, layout: 'channelsFirst' })];
};
