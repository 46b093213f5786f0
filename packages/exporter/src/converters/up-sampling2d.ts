import { pair } from './spatial.ts';
import { anyValue, type Converter, checkOptions, oneOf, single } from './types.ts';

/**
 * tfjs repeats each pixel (nearest neighbour); ONNX Resize does the same with asymmetric coordinates
 * and floor rounding.
 */
export const upSampling2d: Converter = (ctx) => {
  checkOptions(ctx, { size: anyValue, dataFormat: oneOf('channelsLast'), interpolation: oneOf('nearest') });
  const { graph, name } = ctx;
  const { outputShape } = single(ctx);
  const input = graph.channelsFirst(single(ctx).input);
  const [sh, sw] = pair(ctx.config.size ?? 2);
  const scales = graph.initializer(`${name}/scales`, new Float32Array([1, 1, sh, sw]), [4]);
  const output = graph.op(
    'Resize',
    // The empty name skips Resize's optional `roi` input.
    [input.name, '', scales],
    {
      mode: { string: 'nearest' },
      coordinate_transformation_mode: { string: 'asymmetric' },
      nearest_mode: { string: 'floor' },
    },
    `${name}/Resize`,
  );
  return [{ name: output, shape: outputShape, layout: 'channelsFirst' }];
};
