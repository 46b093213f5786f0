import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from './errors.ts';

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface BackendInfo {
  /** The tfjs backend name: 'tensorflow', 'wasm' or 'cpu'. */
  name: string;
  /** What was loaded, for people: e.g. 'wasm (2 threads, fast gradient kernels)'. */
  description: string;
  threads?: number;
}

const require = createRequire(import.meta.url);

/**
 * libtensorflow bindings, GPU first. Both are optional dependencies whose install step downloads
 * libtensorflow; where that failed the package is present but its native addon is not, so only a
 * successful require counts.
 */
function loadTensorflow(): string | undefined {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require(pkg);
      return pkg;
    } catch {
      // not installed, or installed without its native addon: try the next one
    }
  }
  return undefined;
}

async function useWasm(threads: number): Promise<BackendInfo> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`);
  wasm.setThreadsCount(threads);
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  const { registerFastKernels } = await import('./kernels/index.ts');
  registerFastKernels();
  return {
    name: 'wasm',
    description: `wasm (${wasm.getThreadsCount()} thread${wasm.getThreadsCount() === 1 ? '' : 's'}, fast gradient kernels)`,
    threads: wasm.getThreadsCount(),
  };
}

export async function selectBackend(
  choice: BackendChoice,
  threads = os.availableParallelism(),
): Promise<BackendInfo> {
  // tfjs prints an advert for tfjs-node on first use in Node; the choice below is printed instead.
  tf.env().set('PROD', true);
  if (choice === 'tensorflow' || choice === 'auto') {
    const pkg = loadTensorflow();
    if (pkg && (await tf.setBackend('tensorflow'))) {
      return { name: 'tensorflow', description: `tensorflow (${pkg}, libtensorflow ${tf.version.tfjs})` };
    }
    if (choice === 'tensorflow') {
      throw new UserError(
        '--backend tensorflow: neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node could be loaded (install one with its libtensorflow, or use --backend wasm)',
      );
    }
  }
  if (choice === 'wasm' || choice === 'auto') {
    try {
      return await useWasm(threads);
    } catch (error) {
      if (choice === 'wasm') throw new UserError(`--backend wasm: ${(error as Error).message}`);
    }
  }
  await tf.setBackend('cpu');
  return { name: 'cpu', description: 'cpu (plain JavaScript, slow)' };
}
