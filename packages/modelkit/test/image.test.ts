import { describe, expect, it } from 'vitest';
import {
  addGaussianNoise,
  IMAGE_SIDE,
  IMAGE_SIZE,
  maxAbsDiff,
  psnr,
  type RgbaImage,
  seededRandom,
  tile,
  toGrey,
  toMnistInput,
} from '../src/index.ts';

/** Centre of mass by pixel index, where MNIST's digits have it at (14, 14). */
function centreOfMass(x: Float32Array, side = IMAGE_SIDE): [number, number] {
  let m = 0;
  let cx = 0;
  let cy = 0;
  x.forEach((v, i) => {
    m += v;
    cx += v * (i % side);
    cy += v * Math.floor(i / side);
  });
  return [cx / m, cy / m];
}

function inkBox(x: Float32Array, side = IMAGE_SIDE) {
  let x0 = side;
  let y0 = side;
  let x1 = -1;
  let y1 = -1;
  x.forEach((v, i) => {
    if (v <= 0) return;
    const px = i % side;
    const py = Math.floor(i / side);
    x0 = Math.min(x0, px);
    x1 = Math.max(x1, px);
    y0 = Math.min(y0, py);
    y1 = Math.max(y1, py);
  });
  return { width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

type Point = [number, number];

/**
 * Paints an anti-aliased stroke through the points, `ink` on `paper`, into RGBA: the kind of picture
 * a user draws on a canvas or photographs.
 */
function drawStroke(
  width: number,
  height: number,
  points: Point[],
  radius: number,
  ink: [number, number, number],
  paper: [number, number, number, number],
): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let d = Number.POSITIVE_INFINITY;
      for (let k = 0; k + 1 < points.length; k++) {
        d = Math.min(d, segmentDistance(x + 0.5, y + 0.5, points[k] as Point, points[k + 1] as Point));
      }
      const coverage = Math.min(1, Math.max(0, radius + 0.5 - d));
      const o = (y * width + x) * 4;
      for (let c = 0; c < 3; c++)
        data[o + c] = (paper[c] as number) + ((ink[c] as number) - (paper[c] as number)) * coverage;
      data[o + 3] = paper[3] + (255 - paper[3]) * coverage;
    }
  }
  return { width, height, data };
}

function segmentDistance(px: number, py: number, [ax, ay]: Point, [bx, by]: Point) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

describe('toMnistInput', () => {
  it('inverts and centres a small black-on-white drawing', () => {
    // A "7" drawn in the top-left corner of a 40×40 white canvas.
    const seven = drawStroke(
      40,
      40,
      [
        [3, 4],
        [20, 4],
        [9, 26],
      ],
      1.5,
      [0, 0, 0],
      [255, 255, 255, 255],
    );
    const x = toMnistInput(seven);
    expect(x).toHaveLength(IMAGE_SIZE);
    expect(x.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(Math.max(...x)).toBe(1);
    // Corners are background: the paper became black.
    expect([x[0], x[27], x[IMAGE_SIZE - 28], x[IMAGE_SIZE - 1]]).toEqual([0, 0, 0, 0]);
    const [cx, cy] = centreOfMass(x);
    expect(Math.abs(cx - 14)).toBeLessThanOrEqual(1);
    expect(Math.abs(cy - 14)).toBeLessThanOrEqual(1);
    const box = inkBox(x);
    expect(Math.max(box.width, box.height)).toBeLessThanOrEqual(20);
    expect(Math.max(box.width, box.height)).toBeGreaterThanOrEqual(19);
  });

  it('treats black strokes on a transparent canvas as ink', () => {
    const one = drawStroke(
      64,
      64,
      [
        [40, 8],
        [36, 56],
      ],
      3,
      [0, 0, 0],
      [0, 0, 0, 0],
    );
    const x = toMnistInput(one);
    const box = inkBox(x);
    expect(box.height).toBe(20);
    expect(box.width).toBeLessThan(10);
    const [cx, cy] = centreOfMass(x);
    expect(Math.abs(cx - 14)).toBeLessThanOrEqual(1);
    expect(Math.abs(cy - 14)).toBeLessThanOrEqual(1);
  });

  it('handles a large noisy colour photo-like image', () => {
    // A dark blue "2"-ish stroke on cream paper with grain, away from the centre and wider than tall.
    const image = drawStroke(
      300,
      200,
      [
        [150, 60],
        [250, 60],
        [250, 100],
        [150, 150],
        [260, 150],
      ],
      7,
      [20, 30, 120],
      [245, 235, 200, 255],
    );
    const random = seededRandom(7);
    for (let i = 0; i < image.data.length; i++) {
      if (i % 4 !== 3) image.data[i] = (image.data[i] as number) + (random() - 0.5) * 24;
    }
    const start = performance.now();
    const x = toMnistInput(image);
    expect(performance.now() - start).toBeLessThan(500);
    const box = inkBox(x);
    expect(Math.max(box.width, box.height)).toBe(20);
    const [cx, cy] = centreOfMass(x);
    expect(Math.abs(cx - 14)).toBeLessThanOrEqual(1);
    expect(Math.abs(cy - 14)).toBeLessThanOrEqual(1);
    // The stroke spans 124×104 px with its round caps; any speck of grain that survived would stretch
    // the ink's box past that shape.
    expect(box.height).toBeGreaterThanOrEqual(16);
    expect(box.height).toBeLessThanOrEqual(18);
  });

  it('gives all zeros for a blank image, whatever its colour', () => {
    for (const value of [0, 128, 255]) {
      const data = new Uint8ClampedArray(50 * 30 * 4).fill(value);
      const x = toMnistInput({ width: 50, height: 30, data });
      expect(x).toHaveLength(IMAGE_SIZE);
      expect(x.every((v) => v === 0)).toBe(true);
    }
    expect(
      toMnistInput({ width: 28, height: 28, data: new Float32Array(IMAGE_SIZE) }).every((v) => v === 0),
    ).toBe(true);
    const transparent = new Uint8ClampedArray(20 * 20 * 4);
    expect(toMnistInput({ width: 20, height: 20, data: transparent }).every((v) => v === 0)).toBe(true);
  });

  it('leaves an already MNIST-like 28×28 digit nearly unchanged', () => {
    // An anti-aliased ring, 20 px tall, its centre of mass within half a pixel of (14, 14): an MNIST "0".
    const digit = new Float32Array(IMAGE_SIZE);
    for (let y = 0; y < IMAGE_SIDE; y++) {
      for (let x = 0; x < IMAGE_SIDE; x++) {
        const r = Math.hypot((x - 14) / 6.5, (y - 13.75) / 9.9);
        const coverage = Math.max(0, Math.min(1, 2.2 - Math.abs(r - 0.85) * 14));
        digit[y * IMAGE_SIDE + x] = Math.round(coverage * 255) / 255;
      }
    }
    expect(Math.max(inkBox(digit).width, inkBox(digit).height)).toBe(20);
    const x = toMnistInput({ width: 28, height: 28, data: digit });
    let worst = 0;
    for (let i = 0; i < IMAGE_SIZE; i++)
      worst = Math.max(worst, Math.abs((x[i] as number) - (digit[i] as number)));
    expect(worst).toBeLessThan(0.02);
    expect(psnr(x, digit)).toBeGreaterThan(40);
  });
});

describe('toGrey', () => {
  it('uses BT.601 luma', () => {
    const g = toGrey({
      width: 3,
      height: 1,
      data: Uint8Array.of(255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255),
    });
    expect(Array.from(g.data).map((v) => +v.toFixed(3))).toEqual([0.299, 0.587, 0.114]);
  });
});

describe('tile', () => {
  it('lays digits out row by row with gaps and a margin', () => {
    const images = new Float32Array(3 * 4);
    images.fill(0.25, 0, 4).fill(0.5, 4, 8).fill(0.75, 8, 12);
    const out = tile(images, 3, { rows: 2, cols: 2, side: 2, gap: 1 });
    expect([out.width, out.height]).toEqual([7, 7]);
    const at = (x: number, y: number) => out.data[y * out.width + x];
    expect(at(0, 0)).toBe(1); // margin
    expect([at(1, 1), at(2, 2)]).toEqual([0.25, 0.25]);
    expect(at(3, 1)).toBe(1); // gap
    expect([at(4, 1), at(5, 2)]).toEqual([0.5, 0.5]);
    expect([at(1, 4), at(2, 5)]).toEqual([0.75, 0.75]);
    expect(at(4, 4)).toBe(1); // the empty fourth cell
  });

  it('makes the post pictures: 10 over 10, and a 15×15 manifold without gaps', () => {
    const twenty = new Float32Array(20 * IMAGE_SIZE).fill(0.5);
    const pair = tile(twenty, 20, { rows: 2, cols: 10 });
    expect([pair.width, pair.height]).toEqual([10 * 28 + 11 * 2, 2 * 28 + 3 * 2]);
    const manifold = tile(new Float32Array(225 * IMAGE_SIZE), 225, { rows: 15, cols: 15, gap: 0 });
    expect([manifold.width, manifold.height]).toEqual([420, 420]);
    expect(manifold.data.every((v) => v === 0)).toBe(true);
  });

  it('shows non-square codes, normalised per tile', () => {
    // Two conv codes of 4×4×8 shown as 4×32, with values on different scales.
    const codes = new Float32Array(2 * 128);
    for (let i = 0; i < 128; i++) {
      codes[i] = i;
      codes[128 + i] = 10 + i / 100;
    }
    const out = tile(codes, 2, { cols: 1, tileWidth: 32, tileHeight: 4, gap: 0, normalise: 'tile' });
    expect([out.width, out.height]).toEqual([32, 8]);
    expect(out.data[0]).toBe(0);
    expect(out.data[127]).toBe(1);
    expect(out.data[128]).toBe(0);
    expect(out.data[255]).toBe(1);
    const together = tile(codes, 2, { cols: 1, tileWidth: 32, tileHeight: 4, gap: 0, normalise: 'all' });
    expect(together.data[255]).toBeCloseTo(11.27 / 127, 5);
  });

  it('clips plain images, maps NaN to black and rejects short input', () => {
    const out = tile(Float32Array.of(-1, 2, Number.NaN, 0.5), 1, { side: 2, gap: 0 });
    expect(Array.from(out.data)).toEqual([0, 1, 0, 0.5]);
    expect(() => tile(new Float32Array(783), 1)).toThrow(RangeError);
  });
});

describe('psnr', () => {
  it('matches known values', () => {
    const zeros = new Float32Array(100);
    expect(psnr(zeros, new Float32Array(100).fill(1))).toBeCloseTo(0, 10);
    expect(psnr(zeros, new Float32Array(100).fill(0.1))).toBeCloseTo(20, 5);
    expect(psnr(zeros, new Float32Array(100).fill(0.01))).toBeCloseTo(40, 4);
    expect(psnr(zeros, zeros)).toBe(Number.POSITIVE_INFINITY);
    expect(() => psnr(zeros, new Float32Array(99))).toThrow(RangeError);
  });
});

describe('addGaussianNoise', () => {
  it('is reproducible from a seed, clipped, and has the asked-for spread', () => {
    const x = new Float32Array(20_000).fill(0.5);
    const a = addGaussianNoise(x, 0.1, seededRandom(42));
    const b = addGaussianNoise(x, 0.1, seededRandom(42));
    const c = addGaussianNoise(x, 0.1, seededRandom(43));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sd).toBeCloseTo(0.1, 2);
    expect(x[0]).toBe(0.5); // the input is left alone

    const noisy = addGaussianNoise(Float32Array.of(0, 1, 0, 1, 0.5), 0.5, seededRandom(1));
    expect(noisy.every((v) => v >= 0 && v <= 1)).toBe(true);
    const strong = addGaussianNoise(new Float32Array(1000).fill(0.5), 2, seededRandom(2));
    expect(strong.some((v) => v === 0) && strong.some((v) => v === 1)).toBe(true);
  });
});

describe('maxAbsDiff', () => {
  it('gives the largest difference, and Infinity for a NaN or a length mismatch', () => {
    expect(maxAbsDiff([1, 2, 3], [1, 2.5, 2])).toBe(1);
    expect(maxAbsDiff(new Float32Array([0, Number.NaN]), [0, 0])).toBe(Number.POSITIVE_INFINITY);
    expect(maxAbsDiff([0, 1], [0])).toBe(Number.POSITIVE_INFINITY);
  });
});
