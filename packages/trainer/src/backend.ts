import { existsSync, readdirSync } from 'node:fs';
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
 * Whether the package's install step built its native addon (lib/napi-v<N>/tfjs_binding.node). Checked
 * before requiring it: a require that fails on the missing addon has already loaded tfjs's CommonJS
 * build beside the ESM one this package uses, and the wasm backend then trained seq2seq 8–15% slower
 * (`--backend auto` 923–1,139 samples/s against `--backend wasm` 1,091–1,219, alternating runs).
 */
function hasNativeAddon(pkg: string): boolean {
  try {
    const lib = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'lib');
    return readdirSync(lib).some((dir) => existsSync(path.join(lib, dir, 'tfjs_binding.node')));
  } catch {
    return false;
  }
}

/**
 * libtensorflow bindings, GPU first. Both are optional dependencies whose install step downloads
 * libtensorflow; where that failed the package is present but its native addon is not, so only a
 * successful require counts.
 */
function loadTensorflow(): string | undefined {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    if (!hasNativeAddon(pkg)) continue;
    try {
      require(pkg);
      return pkg;
    } catch {
      // not installed, or installed without its native addon: try the next one
    }
  }
  return undefined;
}

/**
 * XNNPACK threads for the wasm backend when none are asked for: one per core. In Node the backend runs
 * threads only through this repository's patch of @tensorflow/tfjs-backend-wasm (in
 * packages/tfjs-wasm-kernels/patches/), which starts them as worker_threads; as shipped, any count
 * gave one thread. Measured with `pnpm bench:train` on the 2-core machine (load ~1.3), 2 threads
 * over 1: deep 10,764 → 15,449 samples/s, vae 3,425 → 5,155, conv 1,568 → 2,013, seq2seq 726 → 879.
 * On a machine busy with other work they can lose (0.6–1.0× in the median at load 4–7): XNNPACK's
 * pool waits at every operator for a thread that may not be scheduled. `--threads 1` then.
 */
export const DEFAULT_WASM_THREADS = os.availableParallelism();

async function useWasm(threads: number): Promise<BackendInfo> {
  const { useWasmBackend } = await import('@autoencoders/tfjs-wasm-kernels');
  // What XNNPACK actually runs: fewer than asked if the worker threads could not start.
  const actual = (await useWasmBackend({ threads })).threads;
  return {
    name: 'wasm',
    description: `wasm (${actual} thread${actual === 1 ? '' : 's'}, fast gradient kernels)`,
    threads: actual,
  };
}

export async function selectBackend(
  choice: BackendChoice,
  threads = DEFAULT_WASM_THREADS,
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

/**
 * One line saying what became of an explicit `--threads n`, where it is not what runs: the wasm
 * backend caps XNNPACK's pool (at 8 threads in backend.cc) and falls back to one thread where its
 * workers cannot start; the other backends do not use the option at all.
 */
export function threadsNote(requested: number | undefined, backend: BackendInfo): string | undefined {
  if (requested === undefined) return undefined;
  if (backend.name !== 'wasm')
    return `--threads ${requested} applies to the wasm backend only; the ${backend.name} backend ignores it`;
  const actual = backend.threads ?? 1;
  if (actual >= requested) return undefined;
  const cores = os.availableParallelism();
  const machine = requested > cores ? ` (this machine has ${cores} core${cores === 1 ? '' : 's'})` : '';
  return actual > 1
    ? `--threads ${requested}: the wasm backend runs at most ${actual} threads; using ${actual}${machine}`
    : `--threads ${requested}: the wasm backend could not start worker threads; using 1${machine}`;
}
