import { activation } from './activation.ts';
import { conv2d } from './conv2d.ts';
import { dense } from './dense.ts';
import { flatten } from './flatten.ts';
import { lstm } from './lstm.ts';
import { maxPooling2d } from './max-pooling2d.ts';
import { repeatVector } from './repeat-vector.ts';
import { reshape } from './reshape.ts';
import { timeDistributed } from './time-distributed.ts';
import type { Converter } from './types.ts';
import { upSampling2d } from './up-sampling2d.ts';

export { SUPPORTED_ACTIVATIONS } from './activation.ts';
export { type Converter, type LayerContext, UnsupportedLayerError } from './types.ts';

/**
 * One converter per tfjs layer class (`layer.getClassName()`). A class missing here stops the export.
 * InputLayer is not listed: the model walk turns model inputs into graph inputs.
 */
export const CONVERTERS: Readonly<Record<string, Converter>> = {
  Activation: activation,
  Conv2D: conv2d,
  Dense: dense,
  Flatten: flatten,
  LSTM: lstm,
  MaxPooling2D: maxPooling2d,
  RepeatVector: repeatVector,
  Reshape: reshape,
  TimeDistributed: timeDistributed,
  UpSampling2D: upSampling2d,
};
