import * as tf from '@tensorflow/tfjs';
import { heapF32, type TensorInfo } from './shared.ts';
import { activeSimdKernels, heapPtr } from './simd.ts';

type AdamState = {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
};

type AdamGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

/**
 * tfjs's Adam with each variable's update done by one SIMD kernel (assembly/kernels.ts adamStep) on the
 * wasm backend, instead of ten element-wise kernels and their intermediate tensors: Adam was ~6 of the
 * vae's 23 ms per step. Same state, same weights for checkpoints (it is an AdamOptimizer), and the same
 * float32 operations in the same order, so the values are bit-identical to tfjs's; any other backend,
 * or a non-float32 variable, takes tfjs's own path.
 */
export class FusedAdam extends tf.AdamOptimizer {
  override applyGradients(variableGradients: AdamGradients): void {
    const simd = activeSimdKernels();
    const list = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const vars = list.map(({ name }) => tf.engine().registeredVariables[name]);
    if (
      simd === undefined ||
      list.some(({ tensor }, i) => tensor.dtype !== 'float32' || vars[i]?.dtype !== 'float32')
    ) {
      super.applyGradients(variableGradients);
      return;
    }
    const { backend, kernels } = simd;
    const state = this as unknown as AdamState;
    const f = Math.fround;
    tf.tidy(() => {
      const [acc1, acc2] = [state.accBeta1.dataSync()[0] as number, state.accBeta2.dataSync()[0] as number];
      const consts = Float32Array.of(
        this.beta1,
        1 - this.beta1,
        this.beta2,
        1 - this.beta2,
        f(1 - acc1),
        f(1 - acc2),
        this.epsilon,
        -this.learningRate,
      );
      const constsInfo = backend.makeOutput([8], 'float32');
      heapF32(backend, constsInfo).set(consts);
      list.forEach(({ name, tensor: gradient }, i) => {
        const value = vars[i] as tf.Variable;
        state.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        state.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        const m = state.accumulatedFirstMoment[i].variable;
        const v = state.accumulatedSecondMoment[i].variable;
        const outs = [value, m, v].map(() => backend.makeOutput(value.shape, 'float32'));
        const ptrs = [value, gradient, m, v, ...outs].map((t) => heapPtr(backend, t as TensorInfo));
        // One thread: splitting even the vae's 401,408-element kernels over two measured slower
        // (6,000 against 6,600 samples/s), the helper competing with XNNPACK's spinning workers.
        kernels.run('adamStep', [[...ptrs, 0, value.size, heapPtr(backend, constsInfo)]]);
        const [newValue, newM, newV] = outs.map((o) =>
          tf.engine().makeTensorFromTensorInfo(o),
        ) as tf.Tensor[];
        m.assign(newM as tf.Tensor);
        v.assign(newV as tf.Tensor);
        value.assign(newValue as tf.Tensor);
      });
      backend.disposeData(constsInfo.dataId);
      state.accBeta1.assign(tf.mul(state.accBeta1, this.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}
