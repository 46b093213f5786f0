import type * as tf from '@tensorflow/tfjs';
import { dense } from './dense.ts';
import { anyValue, type Converter, checkOptions, unsupported } from './types.ts';

/**
 * TimeDistributed(Dense) is Dense on a [batch, steps, features] input, which the Dense converter
 * already handles with MatMul's broadcasting; other wrapped layers would need their own reading.
 */
export const timeDistributed: Converter = (ctx) => {
  checkOptions(ctx, { layer: anyValue });
  const inner = (ctx.layer as unknown as { layer: tf.layers.Layer }).layer;
  const className = inner.getClassName();
  if (className !== 'Dense') {
    throw unsupported(ctx, 'layer', `wraps a ${className}; only TimeDistributed(Dense) is supported`);
  }
  return dense({
    ...ctx,
    layer: inner,
    className: `TimeDistributed(${className})`,
    config: inner.getConfig(),
  });
};
