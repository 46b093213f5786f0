import type { Value } from '../onnx/graph.ts';
import { type LayerContext, unsupported } from './types.ts';

/** A tfjs `[h, w]` option that may also be one number. */
export function pair(value: unknown): [number, number] {
  if (typeof value === 'number') return [value, value];
  const [h, w] = value as number[];
  return [h as number, w as number];
}

/**
 * Explicit ONNX pads [top, left, bottom, right] for TensorFlow's padding. 'same' pads the odd pixel at
 * the end (what ONNX calls SAME_UPPER): a 7×7 map pooled by 2 becomes 4×4 with one row and column of
 * padding after the image.
 */
export function pads(
  ctx: LayerContext,
  input: Value,
  padding: unknown,
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number] = [1, 1],
): number[] {
  if (padding === 'valid') return [0, 0, 0, 0];
  const [, h, w] = input.shape;
  if (typeof h !== 'number' || typeof w !== 'number') {
    throw unsupported(
      ctx,
      'padding',
      `'same' padding needs a known height and width, got ${JSON.stringify(input.shape)}`,
    );
  }
  const begin: number[] = [];
  const end: number[] = [];
  [h, w].forEach((size, i) => {
    const stride = strides[i] as number;
    const extent = ((kernel[i] as number) - 1) * (dilations[i] as number) + 1;
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + extent - size, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  return [...begin, ...end];
}
