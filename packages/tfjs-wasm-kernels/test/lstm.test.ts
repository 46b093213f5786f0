// The fused training LSTM must compute what tf.layers.lstm computes (the layer is what gets saved,
// exported and served), and its hand-written back-propagation must match tfjs's autodiff.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { lstmSequence } from '../src/lstm.ts';
import { relError, seeded, setUpBackends } from './parity.ts';

beforeAll(setUpBackends);

interface Case {
  batch: number;
  steps: number;
  features: number;
  units: number;
  returnSequences: boolean;
  /** Feed one [batch, features] input at every step, as the decoder's repeated code. */
  repeated: boolean;
}

const CASES: Case[] = [
  { batch: 3, steps: 5, features: 4, units: 6, returnSequences: false, repeated: false },
  { batch: 3, steps: 5, features: 4, units: 6, returnSequences: true, repeated: false },
  { batch: 2, steps: 7, features: 6, units: 6, returnSequences: true, repeated: true },
  { batch: 1, steps: 1, features: 3, units: 2, returnSequences: false, repeated: false },
  { batch: 4, steps: 28, features: 28, units: 64, returnSequences: false, repeated: false },
  { batch: 4, steps: 28, features: 64, units: 64, returnSequences: true, repeated: true },
];

describe.each(['cpu', 'wasm'] as const)('lstmSequence on %s', (backend) => {
  it.each(CASES)('matches tf.layers.lstm: %o', async (c) => {
    await tf.setBackend(backend);
    const layer = tf.layers.lstm({
      units: c.units,
      recurrentActivation: 'sigmoid',
      returnSequences: c.returnSequences,
    });
    layer.apply(tf.zeros([c.batch, c.steps, c.features])); // builds the layer's weights
    // Scaled so that the gates are neither saturated nor linear.
    const [kernel, recurrent, bias] = [[c.features, 4 * c.units], [c.units, 4 * c.units], [4 * c.units]].map(
      (shape, i) =>
        tf
          .tensor(
            seeded(
              shape.reduce((a, b) => a * b, 1),
              11 + i,
            ),
            shape,
          )
          .mul(2),
    ) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    layer.setWeights([kernel, recurrent, bias]);
    const x = tf.tensor(
      seeded(c.batch * (c.repeated ? 1 : c.steps) * c.features, 5).map((v) => v * 3),
      c.repeated ? [c.batch, c.features] : [c.batch, c.steps, c.features],
    );
    const outShape = c.returnSequences ? [c.batch, c.steps, c.units] : [c.batch, c.units];
    const weightOut = tf.tensor(
      seeded(
        outShape.reduce((a, b) => a * b, 1),
        9,
      ),
      outShape,
    );

    const viaLayer = (xs: tf.Tensor, k: tf.Tensor, r: tf.Tensor, b: tf.Tensor) => {
      layer.setWeights([k, r, b]);
      const seq = c.repeated ? tf.tile(tf.expandDims(xs, 1), [1, c.steps, 1]) : xs;
      return layer.apply(seq) as tf.Tensor;
    };
    const viaFused = (xs: tf.Tensor, k: tf.Tensor, r: tf.Tensor, b: tf.Tensor) =>
      lstmSequence(
        xs,
        { kernel: k as tf.Tensor2D, recurrentKernel: r as tf.Tensor2D, bias: b as tf.Tensor1D },
        c,
      );

    const expected = viaLayer(x, kernel, recurrent, bias);
    const actual = viaFused(x, kernel, recurrent, bias);
    expect(actual.shape).toEqual(expected.shape);
    expect(relError(actual.dataSync(), expected.dataSync())).toBeLessThan(1e-5);
    expect(relError(reference(x, kernel, recurrent, bias, c).dataSync(), expected.dataSync())).toBeLessThan(
      1e-5,
    );

    // Gradients of a weighted sum of the outputs, through tfjs's autodiff of the layer's ops (its
    // variables are read through setWeights, so the layer's gradient is taken by function of inputs).
    const loss = (run: typeof viaLayer) => (xs: tf.Tensor, k: tf.Tensor, r: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(run(xs, k, r, b), weightOut));
    const fusedGrads = tf.grads(loss(viaFused))([x, kernel, recurrent, bias]);
    const layerGrads = tf.grads((xs: tf.Tensor, k: tf.Tensor, r: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(reference(xs, k, r, b, c), weightOut)),
    )([x, kernel, recurrent, bias]);
    fusedGrads.forEach((g, i) => {
      expect(g.shape, `gradient ${i}`).toEqual(layerGrads[i]?.shape);
      expect(relError(g.dataSync(), (layerGrads[i] as tf.Tensor).dataSync()), `gradient ${i}`).toBeLessThan(
        1e-4,
      );
    });
  });
});

/**
 * The LSTM written with plain tfjs ops, step by step as tfjs-layers' LSTMCell does (layers'
 * variables cannot take gradients as function inputs); checked against the layer's values above.
 */
function reference(
  x: tf.Tensor,
  kernel: tf.Tensor,
  recurrent: tf.Tensor,
  bias: tf.Tensor,
  c: Case,
): tf.Tensor {
  let h = tf.zeros([c.batch, c.units]);
  let cell = tf.zeros([c.batch, c.units]);
  const outputs: tf.Tensor[] = [];
  for (let t = 0; t < c.steps; t++) {
    const xt = c.repeated ? x : tf.squeeze(tf.slice(x, [0, t, 0], [c.batch, 1, c.features]), [1]);
    const z = tf.add(
      tf.add(
        tf.matMul(xt as tf.Tensor2D, kernel as tf.Tensor2D),
        tf.matMul(h as tf.Tensor2D, recurrent as tf.Tensor2D),
      ),
      bias,
    );
    const [zi, zf, zg, zo] = tf.split(z, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    cell = tf.add(tf.mul(tf.sigmoid(zf), cell), tf.mul(tf.sigmoid(zi), tf.tanh(zg)));
    h = tf.mul(tf.sigmoid(zo), tf.tanh(cell));
    outputs.push(h);
  }
  return c.returnSequences ? tf.stack(outputs, 1) : h;
}
