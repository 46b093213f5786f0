/**
 * An LSTM over a whole sequence as one differentiable op, for training. tfjs-layers runs an LSTM
 * step as some 16 kernels (two matrix products, a split, five activations, products and sums), and
 * the gradient tape doubles that: about 6,000 kernels per seq2seq step, whose dispatch cost more
 * than their arithmetic. Here each step is one matrix product h·U on the backend (XNNPACK) and the
 * gate arithmetic runs in plain loops over Float32Arrays; back-propagation through time is written
 * out by hand, and the weight gradients are three large products over all steps at the end.
 *
 * The math is the Keras/tfjs LSTM's (gate order i, f, c, o; sigmoid gates, tanh activation; zero
 * initial state), so the layers model that is saved, exported and served computes the same function
 * (checked in test/lstm.test.ts against tf.layers.lstm, values and gradients).
 */
import * as tf from '@tensorflow/tfjs';
import { heapF32 } from './shared.ts';
import { activeSimdKernels, heapPtr } from './simd.ts';

export interface LstmWeights {
  /** [features, 4·units] */
  kernel: tf.Tensor2D;
  /** [units, 4·units] */
  recurrentKernel: tf.Tensor2D;
  /** [4·units] */
  bias: tf.Tensor1D;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
// One exp instead of Math.tanh's slower general path; exact to float32 (|x| large saturates to ±1).
const tanh = (x: number) => 1 - 2 / (Math.exp(2 * x) + 1);

/**
 * The values of the tensor `f` makes, its intermediates freed. Not `tf.tidy(() => t.dataSync())`:
 * tidy walks whatever it returns looking for tensors, element by element for a typed array (that
 * cost seconds per training step here).
 */
function read(f: () => tf.Tensor): Float32Array {
  const t = tf.tidy(f);
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

/** out = h·W for a [batch, k] h and a fixed [k, n] W, called once per time step. */
interface StepProduct {
  (h: Float32Array, out: Float32Array): void;
  dispose(): void;
}

/**
 * The per-step products on the wasm backend go to the SIMD kernel (assembly/kernels.ts gemm) over two
 * heap buffers reused for every step: XNNPACK's product through the engine took 0.37 ms for the
 * model's [128,64]·[64,256], mostly call and thread overhead, 119 times per training step. Elsewhere
 * (or for a width that is not a multiple of 4) tf.matMul.
 */
function stepProduct(w: tf.Tensor2D, batch: number): StepProduct {
  const [k, n] = w.shape;
  const simd = activeSimdKernels();
  if (simd === undefined || n % 4 !== 0 || w.dtype !== 'float32') {
    const product = (h: Float32Array, out: Float32Array) => {
      out.set(read(() => tf.matMul(tf.tensor2d(h, [batch, k]), w)));
    };
    return Object.assign(product, { dispose() {} });
  }
  const { backend, kernels } = simd;
  const hBuf = backend.makeOutput([batch, k], 'float32');
  const outBuf = backend.makeOutput([batch, n], 'float32');
  const args = [heapPtr(backend, hBuf), heapPtr(backend, w), heapPtr(backend, outBuf), batch, k, n];
  const product = (h: Float32Array, out: Float32Array) => {
    heapF32(backend, hBuf).set(h);
    const result = heapF32(backend, outBuf);
    result.fill(0);
    kernels.run('gemm', [args]);
    out.set(result);
  };
  return Object.assign(product, {
    dispose() {
      backend.disposeData(hBuf.dataId);
      backend.disposeData(outBuf.dataId);
    },
  });
}

/**
 * Runs the LSTM over `steps` steps. `input` is [batch, steps, features], or [batch, features] fed at
 * every step (the decoder's repeated code, whose input product is then computed once).
 * Returns every step's output [batch, steps, units], or only the last one [batch, units].
 */
export function lstmSequence(
  input: tf.Tensor,
  weights: LstmWeights,
  options: { steps: number; returnSequences: boolean },
): tf.Tensor {
  const { steps, returnSequences } = options;
  const repeated = input.rank === 2;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, kernel, recurrentKernel, bias, save] = args as [
      tf.Tensor,
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor1D,
      tf.GradSaveFunc,
    ];
    // The forward pass's intermediates are freed before gradients run; what the backward pass reads
    // must be saved (the decoder's input is the encoder's output, an intermediate).
    save([x, kernel, recurrentKernel]);
    const batch = x.shape[0] as number;
    const features = kernel.shape[0];
    const units = recurrentKernel.shape[0];
    const g4 = 4 * units;
    const rows = repeated ? batch : batch * steps;
    // The input's contribution to every gate, bias included, for all steps at once.
    const xw = read(() => tf.add(tf.matMul(tf.reshape(x, [rows, features]), kernel), bias));

    // Per step: gate activations (i, f, g, o) and the cell and output states, kept for the backward pass.
    const gates = new Float32Array(steps * batch * g4);
    const cells = new Float32Array((steps + 1) * batch * units);
    const hs = new Float32Array((steps + 1) * batch * units);
    const tanhCells = new Float32Array((steps + 1) * batch * units);
    const stepSize = batch * units;
    const recurrent = stepProduct(recurrentKernel, batch);
    const hu = new Float32Array(batch * g4);
    for (let t = 0; t < steps; t++) {
      if (t > 0) recurrent(hs.subarray(t * stepSize, (t + 1) * stepSize), hu);
      const gate = gates.subarray(t * batch * g4, (t + 1) * batch * g4);
      // z = x·W + b + h·U, written into the gate buffer, then activated in place.
      for (let b = 0; b < batch; b++) {
        const xRow = repeated ? b * g4 : (b * steps + t) * g4;
        const zRow = b * g4;
        for (let k = 0; k < g4; k++)
          gate[zRow + k] = (xw[xRow + k] as number) + (t > 0 ? (hu[zRow + k] as number) : 0);
      }
      for (let b = 0; b < batch; b++) {
        const zRow = b * g4;
        const cPrev = t * stepSize + b * units;
        const cNext = cPrev + stepSize;
        for (let u = 0; u < units; u++) {
          const i = sigmoid(gate[zRow + u] as number);
          const f = sigmoid(gate[zRow + units + u] as number);
          const g = tanh(gate[zRow + 2 * units + u] as number);
          const o = sigmoid(gate[zRow + 3 * units + u] as number);
          gate[zRow + u] = i;
          gate[zRow + units + u] = f;
          gate[zRow + 2 * units + u] = g;
          gate[zRow + 3 * units + u] = o;
          const c = f * (cells[cPrev + u] as number) + i * g;
          cells[cNext + u] = c;
          const tc = tanh(c);
          tanhCells[cNext + u] = tc;
          hs[cNext + u] = o * tc;
        }
      }
    }
    recurrent.dispose();

    const value = returnSequences
      ? tf.transpose(tf.tensor3d(hs.subarray(stepSize), [steps, batch, units]), [1, 0, 2])
      : tf.tensor2d(hs.subarray(steps * stepSize), [batch, units]);

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [x, kernel, recurrentKernel] = saved as [tf.Tensor, tf.Tensor2D, tf.Tensor2D];
      // dy as [steps, batch, units] (all steps) or [batch, units] (the last one).
      const dOut = (
        returnSequences ? read(() => tf.transpose(dy, [1, 0, 2])) : dy.dataSync()
      ) as Float32Array;
      const dz = new Float32Array(steps * batch * g4);
      // Uᵀ once: a transposed product per step would transpose U every time (see mat-mul.ts).
      const recurrentT = tf.transpose(recurrentKernel);
      const backThrough = stepProduct(recurrentT, batch);
      const dh = new Float32Array(stepSize);
      const dc = new Float32Array(stepSize);
      for (let t = steps - 1; t >= 0; t--) {
        if (returnSequences) {
          const from = t * stepSize;
          for (let k = 0; k < stepSize; k++) dh[k] = (dh[k] as number) + (dOut[from + k] as number);
        } else if (t === steps - 1) {
          dh.set(dOut);
        }
        const gate = gates.subarray(t * batch * g4, (t + 1) * batch * g4);
        const dzt = dz.subarray(t * batch * g4, (t + 1) * batch * g4);
        for (let b = 0; b < batch; b++) {
          const zRow = b * g4;
          const s = b * units;
          const cPrev = t * stepSize + s;
          const cNow = cPrev + stepSize;
          for (let u = 0; u < units; u++) {
            const i = gate[zRow + u] as number;
            const f = gate[zRow + units + u] as number;
            const g = gate[zRow + 2 * units + u] as number;
            const o = gate[zRow + 3 * units + u] as number;
            const tc = tanhCells[cNow + u] as number;
            const dhu = dh[s + u] as number;
            const dct = (dc[s + u] as number) + dhu * o * (1 - tc * tc);
            dzt[zRow + u] = dct * g * i * (1 - i);
            dzt[zRow + units + u] = dct * (cells[cPrev + u] as number) * f * (1 - f);
            dzt[zRow + 2 * units + u] = dct * i * (1 - g * g);
            dzt[zRow + 3 * units + u] = dhu * tc * o * (1 - o);
            dc[s + u] = dct * f;
          }
        }
        if (t > 0) {
          // The gradient reaching h(t−1) through the recurrent product.
          backThrough(dzt, dh);
        } else {
          dh.fill(0);
        }
      }
      backThrough.dispose();
      recurrentT.dispose();
      return tf.tidy(() => {
        const dZ = tf.tensor2d(dz, [steps * batch, g4]);
        // h(t−1) for every step, as the rows of dz are laid out: [steps·batch, units].
        const hPrev = tf.tensor2d(hs.subarray(0, steps * stepSize), [steps * batch, units]);
        const dRecurrent = tf.matMul(hPrev, dZ, true, false);
        const dBias = tf.sum(dZ, 0);
        let dx: tf.Tensor;
        let dKernel: tf.Tensor;
        if (repeated) {
          const dzSum = tf.sum(tf.reshape(dZ, [steps, batch, g4]), 0);
          dKernel = tf.matMul(x as tf.Tensor2D, dzSum, true, false);
          dx = tf.matMul(dzSum, kernel, false, true);
        } else {
          // dz rows are step-major; the input rows are batch-major.
          const dZb = tf.reshape(tf.transpose(tf.reshape(dZ, [steps, batch, g4]), [1, 0, 2]), [rows, g4]);
          const x2 = tf.reshape(x, [rows, features]);
          dKernel = tf.matMul(x2, dZb, true, false);
          dx = tf.reshape(tf.matMul(dZb, kernel, false, true), x.shape);
        }
        return [dx, dKernel, dRecurrent, dBias];
      });
    };
    return { value, gradFunc };
  });
  return op(input, weights.kernel, weights.recurrentKernel, weights.bias);
}
