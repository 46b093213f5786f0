/** The denoiser's corruption, reproducible from a seed. */
import { clamp01 } from './clamp.ts';

/**
 * The denoiser's corruption, as in the post: x + factor·N(0, 1), clipped to [0, 1]. `random` is a
 * uniform [0, 1) generator, seeded by the caller so a run can be repeated.
 */
export function addGaussianNoise(x: Float32Array, factor: number, random: () => number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i += 2) {
    // Box–Muller gives two independent normals per pair of uniforms; 1 - u keeps log away from 0.
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const t = 2 * Math.PI * random();
    out[i] = clamp01((x[i] as number) + factor * r * Math.cos(t));
    if (i + 1 < x.length) out[i + 1] = clamp01((x[i + 1] as number) + factor * r * Math.sin(t));
  }
  return out;
}

/**
 * A small seeded uniform generator (mulberry32) for callers without one, e.g. the browser demo's
 * noise slider, so the same seed gives the same noisy digit everywhere.
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
