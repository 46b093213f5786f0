import { anyValue, type Converter, checkOptions, single } from './types.ts';

export const reshape: Converter = (ctx) => {
  checkOptions(ctx, { targetShape: anyValue });
  const { graph, name } = ctx;
  const { input, outputShape } = single(ctx);
  // tfjs writes the free dimension of its target shape as null (-1 when given).
  const target = (ctx.config.targetShape as (number | null)[]).map((d) => d ?? -1);
  // 0 copies the input's (dynamic) batch size.
  const shape = graph.int64(`${name}/shape`, [0, ...target]);
  const output = graph.op('Reshape', [graph.channelsLast(input).name, shape], {}, `${name}/Reshape`);
  return [{ name: output, shape: outputShape, layout: 'channelsLast' }];
};
