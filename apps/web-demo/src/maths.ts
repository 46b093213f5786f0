/** Small numeric helpers the page needs and the DOM does not give. */

/** Points a → b in `steps` equal steps, ends included, flattened as [x0, y0, x1, y1, …]. */
export function interpolate(a: readonly number[], b: readonly number[], steps: number): Float32Array {
  const out = new Float32Array(steps * a.length);
  for (let s = 0; s < steps; s++) {
    const t = steps === 1 ? 0 : s / (steps - 1);
    a.forEach((v, k) => {
      out[s * a.length + k] = v + t * ((b[k] as number) - v);
    });
  }
  return out;
}
