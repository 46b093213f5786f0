/** Digits laid out in a grid for people to look at (figures, the demo, PNG answers). */
import { IMAGE_SIDE } from './catalog.ts';
import { clamp01 } from './clamp.ts';
import type { GreyImage } from './png.ts';

export interface TileOptions {
  /** Grid shape; give one and the other follows from the count, give neither for a near-square grid. */
  rows?: number;
  cols?: number;
  /** Side of a square tile; tileWidth/tileHeight override it for codes such as the conv model's 4×32. */
  side?: number;
  tileWidth?: number;
  tileHeight?: number;
  /** Pixels between tiles. */
  gap?: number;
  /** Pixels around the grid; defaults to the gap so the outer tiles are framed like the inner ones. */
  margin?: number;
  /** Grey level (0..1) of gaps, margin and empty cells. */
  background?: number;
  /**
   * 'none' clips to 0..1 (images); 'tile' stretches each tile's own range to 0..1 (codes, whose scale
   * varies from one digit to the next); 'all' stretches by the range of every tile together, so that
   * tiles stay comparable.
   */
  normalise?: 'none' | 'tile' | 'all';
}

/**
 * Lays `count` consecutive images out in a grid, row by row: 10 test digits over their reconstructions
 * (rows: 2), the VAE's 15×15 manifold (gap: 0), encoded representations.
 */
export function tile(images: Float32Array, count: number, options: TileOptions = {}): GreyImage {
  const side = options.side ?? IMAGE_SIDE;
  const tw = options.tileWidth ?? side;
  const th = options.tileHeight ?? side;
  const gap = options.gap ?? 2;
  const margin = options.margin ?? gap;
  const background = clamp01(options.background ?? 1);
  const normalise = options.normalise ?? 'none';
  for (const [name, v] of [
    ['count', count],
    ['tile width', tw],
    ['tile height', th],
  ] as const) {
    if (!Number.isInteger(v) || v < (name === 'count' ? 0 : 1)) {
      throw new RangeError(
        `tile: ${name} must be a ${name === 'count' ? 'non-negative' : 'positive'} integer`,
      );
    }
  }
  if (!(gap >= 0 && margin >= 0 && Number.isInteger(gap) && Number.isInteger(margin))) {
    throw new RangeError('tile: gap and margin must be non-negative integers');
  }
  const per = tw * th;
  if (images.length < count * per) {
    throw new RangeError(
      `tile: ${count} tiles of ${tw}×${th} need ${count * per} values, got ${images.length}`,
    );
  }
  const { rows, cols } = gridShape(count, options.rows, options.cols);

  const width = 2 * margin + cols * tw + Math.max(0, cols - 1) * gap;
  const height = 2 * margin + rows * th + Math.max(0, rows - 1) * gap;
  const data = new Float32Array(width * height).fill(background);

  let lo = 0;
  let hi = 1;
  if (normalise === 'all') [lo, hi] = finiteRange(images.subarray(0, count * per));

  for (let t = 0; t < count; t++) {
    const pixels = images.subarray(t * per, (t + 1) * per);
    if (normalise === 'tile') [lo, hi] = finiteRange(pixels);
    // A constant tile has no range to stretch; show it black rather than divide by zero.
    const scale = normalise === 'none' ? 1 : hi > lo ? 1 / (hi - lo) : 0;
    const offset = normalise === 'none' ? 0 : lo;
    const x0 = margin + (t % cols) * (tw + gap);
    const y0 = margin + Math.floor(t / cols) * (th + gap);
    for (let y = 0; y < th; y++) {
      const row = (y0 + y) * width + x0;
      for (let x = 0; x < tw; x++) {
        data[row + x] = clamp01(((pixels[y * tw + x] as number) - offset) * scale);
      }
    }
  }
  return { width, height, data };
}

function gridShape(count: number, rows?: number, cols?: number): { rows: number; cols: number } {
  const n = Math.max(count, 1);
  if (rows !== undefined && cols !== undefined) {
    if (rows * cols < count) throw new RangeError(`tile: a ${rows}×${cols} grid cannot hold ${count} tiles`);
    return { rows, cols };
  }
  if (cols !== undefined) return { rows: Math.max(1, Math.ceil(n / cols)), cols };
  if (rows !== undefined) return { rows, cols: Math.max(1, Math.ceil(n / rows)) };
  const c = Math.ceil(Math.sqrt(n));
  return { rows: Math.ceil(n / c), cols: c };
}

function finiteRange(values: Float32Array): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}
