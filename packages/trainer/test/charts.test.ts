import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { latentScatter, latentScatterSvg, lossChart, lossChartSvg } from '../src/report/charts.ts';

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

function pngSize(png: Uint8Array): [number, number] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

/** A reproducible stand-in for a trained VAE's test-set codes: ten overlapping clusters. */
function fakeLatents(n: number) {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const points = new Float32Array(n * 2);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const digit = i % 10;
    const angle = (digit / 10) * 2 * Math.PI;
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const t = 2 * Math.PI * random();
    labels[i] = digit;
    points[2 * i] = 1.8 * Math.cos(angle) + 0.6 * r * Math.cos(t);
    points[2 * i + 1] = 1.8 * Math.sin(angle) + 0.6 * r * Math.sin(t);
  }
  return { points, labels };
}

const losses = {
  title: 'simple: binary cross-entropy per epoch',
  xLabel: 'epoch',
  yLabel: 'loss',
  series: [
    { name: 'train', values: Array.from({ length: 50 }, (_, i) => 0.095 + 0.2 * Math.exp(-i / 4)) },
    { name: 'validation', values: Array.from({ length: 50 }, (_, i) => 0.093 + 0.19 * Math.exp(-i / 4)) },
  ],
};

describe('lossChart', () => {
  it('renders a PNG of the asked-for size', () => {
    const png = lossChart(losses);
    expect(Array.from(png.subarray(0, 8))).toEqual(PNG_SIGNATURE);
    expect(pngSize(png)).toEqual([800, 480]);
    expect(pngSize(lossChart({ ...losses, width: 400, height: 300 }))).toEqual([400, 300]);
    expect(pngSize(lossChart(losses, { scale: 2 }))).toEqual([1600, 960]);
    writeFileSync('/tmp/charts-loss.png', png);
  });

  it('names the series, the axes and the title in the SVG', () => {
    const svg = lossChartSvg({ ...losses, title: 'deep <784-128-64-32> & co' });
    for (const text of [
      '>train<',
      '>validation<',
      '>epoch<',
      '>loss<',
      'deep &lt;784-128-64-32&gt; &amp; co',
    ]) {
      expect(svg).toContain(text);
    }
    expect(svg.match(/<polyline/g)).toHaveLength(2);
  });

  it('draws a single epoch as markers', () => {
    const svg = lossChartSvg({
      title: 'one epoch',
      series: [
        { name: 'train', values: [0.26] },
        { name: 'validation', values: [0.19] },
      ],
    });
    expect(svg).not.toContain('<polyline');
    expect(svg.match(/<circle/g)).toHaveLength(2);
    expect(svg).not.toMatch(/NaN|Infinity/);
    const png = lossChart({ title: 'one epoch', series: [{ name: 'train', values: [0.26] }] });
    expect(Array.from(png.subarray(0, 8))).toEqual(PNG_SIGNATURE);
    writeFileSync('/tmp/charts-loss-single.png', png);
  });

  it('skips NaN values, breaking the line there', () => {
    const svg = lossChartSvg({
      title: 'gaps',
      series: [{ name: 'train', values: [0.3, 0.2, Number.NaN, 0.15, 0.14, Number.POSITIVE_INFINITY, 0.13] }],
    });
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(svg.match(/<polyline/g)).toHaveLength(2); // 1–2 and 4–5; epoch 7 stands alone as a marker
    expect(svg.match(/<circle/g)).toHaveLength(5);
    const empty = lossChartSvg({ title: 'nothing yet', series: [{ name: 'train', values: [Number.NaN] }] });
    expect(empty).toContain('no data');
    expect(empty).not.toMatch(/NaN/);
  });

  it('goes logarithmic for losses spanning decades', () => {
    const values = Array.from({ length: 100 }, (_, i) => 500 * 0.93 ** i + 0.1);
    const svg = lossChartSvg({ title: 'sparse', series: [{ name: 'train', values }] });
    expect(svg).toContain('loss (log scale)');
    for (const tick of ['>0.1<', '>1<', '>10<', '>100<', '>1000<']) expect(svg).toContain(tick);
    expect(lossChartSvg({ ...losses })).not.toContain('log scale');
    expect(
      lossChartSvg({ title: 'forced', yScale: 'linear', series: [{ name: 'train', values }] }),
    ).not.toContain('log scale');
    writeFileSync(
      '/tmp/charts-loss-log.png',
      lossChart({ title: 'sparse (log)', series: [{ name: 'train', values }] }),
    );
  });
});

describe('latentScatter', () => {
  it('renders 10,000 points, coloured by digit, in reasonable time', () => {
    const { points, labels } = fakeLatents(10_000);
    const start = performance.now();
    const png = latentScatter({ title: 'VAE: test digits in the 2-D latent space', points, labels });
    const elapsed = performance.now() - start;
    expect(elapsed).toBeLessThan(10_000);
    expect(Array.from(png.subarray(0, 8))).toEqual(PNG_SIGNATURE);
    expect(pngSize(png)).toEqual([760, 660]);
    writeFileSync('/tmp/charts-latent.png', png);
  });

  it('has a dot per finite point and a legend for 0–9', () => {
    const { points, labels } = fakeLatents(200);
    points[0] = Number.NaN;
    const svg = latentScatterSvg({ title: 'latent', points, labels });
    // 199 data dots plus 10 legend dots.
    expect(svg.match(/<circle/g)).toHaveLength(199 + 10);
    for (let d = 0; d < 10; d++) expect(svg).toContain(`>${d}</text>`);
    expect(svg).toContain('>z[0]<');
    expect(svg).toContain('>z[1]<');
    expect(svg).not.toMatch(/NaN/);
    expect(() => latentScatterSvg({ title: 'bad', points, labels: new Uint8Array(3) })).toThrow(RangeError);
  });
});
