import { anyValue, type Converter, checkOptions, single } from './types.ts';

/** [batch, features] → [batch, n, features]. */
export const repeatVector: Converter = (ctx) => {
  checkOptions(ctx, { n: anyValue });
  const { graph, name } = ctx;
  const { input, outputShape } = single(ctx);
  const axes = graph.int64(`${name}/axes`, [1]);
  const repeats = graph.int64(`${name}/repeats`, [1, ctx.config.n as number, 1]);
  const expanded = graph.op('Unsqueeze', [input.name, axes], {}, `${name}/Unsqueeze`);
  const tiled = graph.op('Tile', [expanded, repeats], {}, `${name}/Tile`);
  return [{ name: tiled, shape: outputShape, layout: 'channelsLast' }];
};
