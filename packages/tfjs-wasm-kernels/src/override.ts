import * as tf from '@tensorflow/tfjs';
import type { KernelArgs, TensorInfo } from './shared.ts';

/** The kernel an override displaced, called for the inputs the override does not handle. */
export type Fallback = (args: KernelArgs<tf.NamedAttrMap>) => TensorInfo | TensorInfo[];

/**
 * One of this package's kernels for the 'wasm' backend: the one registration mechanism every kernel
 * goes through (src/register.ts lists them all).
 */
export interface FastKernel {
  kernelName: string;
  /** Puts this kernel in place of the wasm backend's (remembering it); calling it again does nothing. */
  register(): void;
  /** Restores the kernel it displaced (or none, where the backend had none). */
  unregister(): void;
  /** The kernel it displaced at its last registration, if any. */
  displaced(): tf.KernelConfig | undefined;
}

/**
 * A FastKernel running `kernelFunc` for `kernelName` on the wasm backend. `replaces: 'required'`
 * (the default) refuses to register where the backend has no such kernel yet (the backend is not
 * ready); `'optional'` also installs a kernel the backend lacks (Conv2DBackpropFilter).
 */
export function fastKernel(
  kernelName: string,
  kernelFunc: tf.KernelFunc,
  replaces: 'required' | 'optional' = 'required',
): FastKernel {
  let displaced: tf.KernelConfig | undefined;
  const config: tf.KernelConfig = { kernelName, backendName: 'wasm', kernelFunc };
  return {
    kernelName,
    displaced: () => displaced,
    register() {
      const current = tf.getKernel(kernelName, 'wasm');
      if (current?.kernelFunc === kernelFunc) return;
      if (current === undefined && replaces === 'required')
        throw new Error(`wasm kernel '${kernelName}' is not registered`);
      displaced = current;
      if (current !== undefined) tf.unregisterKernel(kernelName, 'wasm');
      tf.registerKernel(config);
    },
    unregister() {
      const current = tf.getKernel(kernelName, 'wasm');
      if (current?.kernelFunc !== kernelFunc) return;
      if (replaces === 'required' && displaced === undefined) return;
      tf.unregisterKernel(kernelName, 'wasm');
      if (displaced !== undefined) tf.registerKernel(displaced);
    },
  };
}

/** A FastKernel from a complete kernel config (one that handles every input itself). */
export function fromConfig(config: tf.KernelConfig): FastKernel {
  return fastKernel(config.kernelName, config.kernelFunc, 'optional');
}

/**
 * A wasm kernel that handles some inputs itself and passes the rest to the kernel it replaced (the
 * backend's own, or whatever was registered before it), so an unsupported attribute never gets a
 * wrong answer. `run` returns undefined to fall back.
 */
export function override<A>(
  kernelName: string,
  run: (args: KernelArgs<A>, fallback: Fallback) => TensorInfo | TensorInfo[] | undefined,
): FastKernel {
  const fallback: Fallback = (args) => {
    const displaced = kernel.displaced();
    if (displaced === undefined) throw new Error(`${kernelName}: no kernel to fall back to`);
    return displaced.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo | TensorInfo[];
  };
  const kernelFunc = ((args: KernelArgs<A>) =>
    run(args, fallback) ??
    fallback(args as unknown as KernelArgs<tf.NamedAttrMap>)) as unknown as tf.KernelFunc;
  const kernel = fastKernel(kernelName, kernelFunc);
  return kernel;
}
