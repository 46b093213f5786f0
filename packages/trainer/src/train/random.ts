import { seededRandom } from '@autoencoders/modelkit';

/**
 * Everything random in a run derives from the run's seed and where it is (epoch, step), never from
 * how far a generator has advanced: so a run resumed at epoch k draws exactly what the original run
 * drew there.
 */
export function deriveSeed(...parts: number[]): number {
  // FNV-1a over the parts' 32-bit words; tfjs random ops take seeds as plain numbers.
  let h = 0x811c9dc5;
  for (const part of parts) {
    let v = part >>> 0;
    for (let i = 0; i < 4; i++) {
      h = Math.imul(h ^ (v & 0xff), 0x01000193);
      v >>>= 8;
    }
  }
  // tfjs treats a seed of 0 as "no seed".
  return h >>> 0 || 1;
}

/** A uniform [0, 1) generator. */
export function uniform(seed: number): () => number {
  return seededRandom(seed);
}

/** A Fisher–Yates permutation of 0..n-1. */
export function permutation(n: number, seed: number): Int32Array {
  const rng = uniform(seed);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
}

/**
 * Runs `fn` with Math.random seeded. tfjs-layers' initialisers draw their seeds from Math.random
 * and accept no seed through the layer API, so this is what makes initial weights reproducible
 * without threading a seed through every layer declaration.
 */
export function withSeededMathRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  Math.random = uniform(seed);
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
