import { pads, pair } from './spatial.ts';
import { anyValue, type Converter, checkOptions, oneOf, single } from './types.ts';

/** ONNX MaxPool ignores padded cells, as TensorFlow's 'same' pooling does. */
export const maxPooling2d: Converter = (ctx) => {
  checkOptions(ctx, {
    poolSize: anyValue,
    strides: anyValue,
    padding: oneOf('same', 'valid'),
    dataFormat: oneOf('channelsLast'),
  });
  const { graph, name, config } = ctx;
  const { outputShape } = single(ctx);
  const input = graph.channelsFirst(single(ctx).input);
  const kernel = pair(config.poolSize);
  const strides = pair(config.strides ?? config.poolSize);
  const output = graph.op(
    'MaxPool',
    [input.name],
    {
      kernel_shape: { ints: kernel },
      strides: { ints: strides },
      pads: { ints: pads(ctx, input, config.padding, kernel, strides) },
    },
    `${name}/MaxPool`,
  );
  return [{ name: output, shape: outputShape, layout: 'channelsFirst' }];
};
