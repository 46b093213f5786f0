/** Drawing float images and codes onto canvases; CSS scales them up with `image-rendering: pixelated`. */
import { type GreyImage, IMAGE_SIDE, tile } from '@autoencoders/modelkit';

/** Ten colours a reader can tell apart (Tableau 10), one per digit, in the scatter and its legend. */
export const DIGIT_COLOURS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
] as const;

export function paintGrey(canvas: HTMLCanvasElement, image: GreyImage): void {
  if (canvas.width !== image.width) canvas.width = image.width;
  if (canvas.height !== image.height) canvas.height = image.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const pixels = ctx.createImageData(image.width, image.height);
  const out = pixels.data;
  // Plain index writes: this runs for every digit on the page, on the main thread.
  for (let i = 0, j = 0; i < image.data.length; i++, j += 4) {
    const v = Math.round(Math.min(1, Math.max(0, image.data[i] as number)) * 255);
    out[j] = v;
    out[j + 1] = v;
    out[j + 2] = v;
    out[j + 3] = 255;
  }
  ctx.putImageData(pixels, 0, 0);
}

/** One 28×28 digit, white on black as MNIST has it. */
export function paintDigit(canvas: HTMLCanvasElement, pixels: Float32Array): void {
  paintGrey(canvas, {
    width: IMAGE_SIDE,
    height: IMAGE_SIDE,
    data: pixels.subarray(0, IMAGE_SIDE * IMAGE_SIDE),
  });
}

/** Several digits in a grid, without gaps (the manifold, the interpolation). */
export function paintDigits(
  canvas: HTMLCanvasElement,
  pixels: Float32Array,
  rows: number,
  cols: number,
): void {
  paintGrey(canvas, tile(pixels, rows * cols, { rows, cols, gap: 0 }));
}

/** A map of code values, each tile stretched to its own range, as the post shows the conv codes. */
export function paintCodeMap(
  canvas: HTMLCanvasElement,
  values: Float32Array,
  width: number,
  height: number,
): void {
  paintGrey(canvas, tile(values, 1, { tileWidth: width, tileHeight: height, gap: 0, normalise: 'tile' }));
}

/**
 * A code as bars on a fixed scale (`max`), so that a sparse code looks sparse next to a dense one
 * instead of being stretched to fill the box.
 */
export function paintBars(canvas: HTMLCanvasElement, values: Float32Array, max: number): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { width, height } = canvas;
  ctx.fillStyle = '#111';
  ctx.fillRect(0, 0, width, height);
  const bar = width / values.length;
  values.forEach((v, i) => {
    const t = Math.min(1, Math.max(0, v / max));
    // Dark blue to yellow, so that the strip reads as a heat map as well as a bar chart.
    ctx.fillStyle = `hsl(${230 - 180 * t} 80% ${25 + 40 * t}%)`;
    const h = Math.max(1, t * (height - 2));
    ctx.fillRect(i * bar + 0.5, height - h, Math.max(1, bar - 1), h);
  });
}
