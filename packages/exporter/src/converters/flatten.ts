import { type Converter, checkOptions, oneOf, single } from './types.ts';

/** Flattens in tfjs's channels-last order, so the 784 outputs line up with tfjs's. */
export const flatten: Converter = (ctx) => {
  checkOptions(ctx, { dataFormat: oneOf('channelsLast') });
  const { input, outputShape } = single(ctx);
  const output = ctx.graph.op(
    'Flatten',
    [ctx.graph.channelsLast(input).name],
    { axis: { int: 1 } },
    `${ctx.name}/Flatten`,
  );
  return [{ name: output, shape: outputShape, layout: 'channelsLast' }];
};
