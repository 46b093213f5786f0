import { anyValue, type Converter, checkOptions, single } from './types.ts';

export const reshape: Converter = (ctx) => {
  checkOptions(ctx, { targetShape: anyValue });
  const { input, outputShape } = single(ctx);
  // tfjs writes the free dimension of its target shape as null (-1 when given).
  const target = (ctx.config.targetShape as (number | null)[]).map((d) => d ?? -1);
  // 0 copies the input's (dynamic) batch size.
  const shape = ctx.graph.int64(`${ctx.name}/shape`, [0, ...target]);
  const [name] = ctx.graph.node(
    'Reshape',
    [ctx.graph.channelsLast(input).name, shape],
    {},
    {
      name: `${ctx.name}/Reshape`,
    },
  );
  return [{ name: name as string, shape: outputShape, layout: 'channelsLast' }];
};
