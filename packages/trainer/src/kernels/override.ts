import * as tf from '@tensorflow/tfjs';
import type { KernelArgs, TensorInfo } from './shared.ts';

/** The kernel an override displaced, called for the inputs the override does not handle. */
export type Fallback = (args: KernelArgs<tf.NamedAttrMap>) => TensorInfo | TensorInfo[];

export interface Override {
  kernelName: string;
  /** Puts the override in front of the wasm backend's kernel; calling it again does nothing. */
  register(): void;
  /** Restores the kernel it displaced. */
  unregister(): void;
}

/**
 * A wasm kernel that handles some inputs itself and passes the rest to the kernel it replaced (the
 * backend's own, or whatever was registered before it), so an unsupported attribute never gets a
 * wrong answer. `run` returns undefined to fall back.
 */
export function override<A>(
  kernelName: string,
  run: (args: KernelArgs<A>, fallback: Fallback) => TensorInfo | TensorInfo[] | undefined,
): Override {
  let displaced: tf.KernelConfig | undefined;
  const fallback: Fallback = (args) => {
    if (displaced === undefined) throw new Error(`${kernelName}: no kernel to fall back to`);
    return displaced.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo | TensorInfo[];
  };
  const kernelFunc = ((args: KernelArgs<A>) =>
    run(args, fallback) ??
    fallback(args as unknown as KernelArgs<tf.NamedAttrMap>)) as unknown as tf.KernelFunc;
  const config: tf.KernelConfig = { kernelName, backendName: 'wasm', kernelFunc };
  return {
    kernelName,
    register() {
      const current = tf.getKernel(kernelName, 'wasm');
      if (current?.kernelFunc === kernelFunc) return;
      if (current === undefined) throw new Error(`wasm kernel '${kernelName}' is not registered`);
      displaced = current;
      tf.unregisterKernel(kernelName, 'wasm');
      tf.registerKernel(config);
    },
    unregister() {
      const current = tf.getKernel(kernelName, 'wasm');
      if (current?.kernelFunc !== kernelFunc || displaced === undefined) return;
      tf.unregisterKernel(kernelName, 'wasm');
      tf.registerKernel(displaced);
    },
  };
}
