import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { countCalls, expectParity, seeded, setUpBackends, sizeOf } from './parity.ts';

// Sums of up to 25 × 32 products, in another order than the cpu backend's.
const TOLERANCE = 1e-5;

beforeAll(setUpBackends);

type Pad = 'same' | 'valid' | number;

interface Case {
  x: [number, number, number, number];
  k: [number, number];
  strides: number | [number, number];
  pad: Pad;
}

function cases(): Case[] {
  const xs: [number, number, number, number][] = [
    [2, 28, 28, 16],
    [3, 7, 9, 5],
    [1, 6, 5, 1],
    [4, 10, 10, 32],
  ];
  const out: Case[] = [];
  let i = 0;
  for (const k of [
    [1, 1],
    [2, 2],
    [3, 3],
    [5, 5],
    [3, 2],
  ] as [number, number][]) {
    for (const strides of [1, 2, [1, 2]] as (number | [number, number])[]) {
      for (const pad of ['same', 'valid', 1] as Pad[]) {
        out.push({ x: xs[i++ % xs.length] as Case['x'], k, strides, pad });
      }
    }
  }
  return out;
}

function inputs(c: Case, co = 1) {
  const filterShape = [c.k[0], c.k[1], c.x[3], co] as [number, number, number, number];
  return {
    x: tf.tensor(seeded(sizeOf(c.x), sizeOf(c.x)), c.x) as tf.Tensor4D,
    filter: tf.tensor(seeded(sizeOf(filterShape), 7), filterShape) as tf.Tensor4D,
    bias: tf.tensor(seeded(co, 3)),
  };
}

describe('Conv2D with one output channel', () => {
  for (const c of cases()) {
    it(`x[${c.x}] k${c.k} s${c.strides} ${c.pad}`, async () => {
      await expectParity(() => {
        const { x, filter } = inputs(c);
        return tf.conv2d(x, filter, c.strides, c.pad);
      }, TOLERANCE);
    });
  }
});

describe('FusedConv2D with one output channel', () => {
  for (const c of cases().filter((_, i) => i % 2 === 0)) {
    for (const activation of ['linear', 'relu'] as const) {
      for (const withBias of [true, false]) {
        it(`x[${c.x}] k${c.k} s${c.strides} ${c.pad} ${activation}${withBias ? ' + bias' : ''}`, async () => {
          await expectParity(() => {
            const { x, filter, bias } = inputs(c);
            return tf.fused.conv2d({
              x,
              filter,
              strides: c.strides,
              pad: c.pad,
              activation,
              ...(withBias && { bias }),
            });
          }, TOLERANCE);
        });
      }
    }
  }

  it('takes the fast path for the models’ last layer', async () => {
    await tf.setBackend('wasm');
    const c: Case = { x: [2, 28, 28, 32], k: [3, 3], strides: 1, pad: 'same' };
    const products = await countCalls('BatchMatMul', async () => {
      tf.tidy(() => {
        const { x, filter, bias } = inputs(c);
        tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias }).dataSync();
      });
    });
    expect(products).toBe(1);
  });

  it('falls back for dilation, other activations and several output channels', async () => {
    const c: Case = { x: [2, 9, 9, 4], k: [3, 3], strides: 1, pad: 'same' };
    await expectParity(() => {
      const { x, filter } = inputs(c);
      return tf.conv2d(x, filter, 1, 'same', 'NHWC', 2);
    }, TOLERANCE);
    for (const activation of ['relu6', 'sigmoid', 'elu'] as const) {
      await expectParity(() => {
        const { x, filter, bias } = inputs(c);
        return tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias, activation });
      }, TOLERANCE);
    }
    await expectParity(() => {
      const { x, filter, bias } = inputs(c, 3);
      return tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias, activation: 'relu' });
    }, TOLERANCE);
  });

  it('gives the same gradients through the fused op', async () => {
    const c: Case = { x: [2, 12, 12, 8], k: [3, 3], strides: 1, pad: 'same' };
    await expectParity(() => {
      const { x, filter, bias } = inputs(c);
      const f = (a: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.fused.conv2d({
              x: a as tf.Tensor4D,
              filter: w as tf.Tensor4D,
              strides: 1,
              pad: 'same',
              bias: b,
            }),
            tf.range(0, 2 * 12 * 12).reshape([2, 12, 12, 1]),
          ),
        );
      return tf.grads(f)([x, filter, bias]);
    }, 1e-4);
  });
});
