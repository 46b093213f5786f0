import { activationOption, applyActivation } from './activation.ts';
import { anyValue, type Converter, checkOptions, oneOf, single, weight } from './types.ts';

/** tfjs's kernel is [in, out], which is Gemm's B as it stands (transB = 0). */
export const dense: Converter = (ctx) => {
  checkOptions(ctx, { units: anyValue, activation: activationOption, useBias: oneOf(true, false) });
  const { graph, name } = ctx;
  // Dense works on the last axis, which must be tfjs's own last axis.
  const input = graph.channelsLast(single(ctx).input);
  const { outputShape } = single(ctx);
  const kernel = weight(ctx, 'kernel');
  const kernelName = graph.initializer(`${name}/kernel`, kernel.data, kernel.shape);
  const bias = ctx.config.useBias === false ? null : weight(ctx, 'bias');
  const biasName = bias ? graph.initializer(`${name}/bias`, bias.data, bias.shape) : null;

  let output: string | undefined;
  if (input.shape.length === 2) {
    [output] = graph.node(
      'Gemm',
      biasName ? [input.name, kernelName, biasName] : [input.name, kernelName],
      {},
      {
        name: `${name}/Gemm`,
      },
    );
  } else {
    // Gemm takes matrices only; MatMul broadcasts over the leading axes as tfjs's Dense does.
    [output] = graph.node('MatMul', [input.name, kernelName], {}, { name: `${name}/MatMul` });
    if (biasName) [output] = graph.node('Add', [output as string, biasName], {}, { name: `${name}/Add` });
  }
  return [applyActivation(ctx, { name: output as string, shape: outputShape, layout: 'channelsLast' })];
};
