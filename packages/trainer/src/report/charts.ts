/**
 * Charts for the training report: loss per epoch and the VAE's latent scatter. Built as SVG strings
 * (testable without rasterising) and rendered to PNG with resvg and a bundled DejaVu Sans, so the
 * pictures come out the same on every machine whatever fonts it has installed.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';

export interface LossSeries {
  name: string;
  /** One value per epoch, epoch 1 first; non-finite values (a diverged epoch, a missing validation) are skipped. */
  values: readonly number[];
}

export interface LossChartOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  series: readonly LossSeries[];
  width?: number;
  height?: number;
  /** 'auto' goes logarithmic when the positive values span more than a factor of LOG_RATIO. */
  yScale?: 'auto' | 'linear' | 'log';
}

export interface LatentScatterOptions {
  title: string;
  /** Interleaved coordinates: x0, y0, x1, y1, … */
  points: Float32Array;
  /** The digit (0–9) of each point. */
  labels: Uint8Array;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

export interface RenderOptions {
  /** Pixel density: 2 renders at twice the SVG's size, for high-DPI screens. */
  scale?: number;
}

/** matplotlib's tab10: the categorical palette readers of the Keras post have seen these plots in. */
export const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
] as const;

const LOG_RATIO = 20;
const FONT_SIZE = 13;
const AXIS_COLOUR = '#333';
const GRID_COLOUR = '#e3e3e3';
/** DejaVu Sans averages about this many ems a character; close enough to size boxes around text. */
const CHAR_EM = 0.6;

export function lossChart(options: LossChartOptions, render: RenderOptions = {}): Uint8Array {
  return renderSvg(lossChartSvg(options), render);
}

export function latentScatter(options: LatentScatterOptions, render: RenderOptions = {}): Uint8Array {
  return renderSvg(latentScatterSvg(options), render);
}

export function lossChartSvg(options: LossChartOptions): string {
  const width = options.width ?? 800;
  const height = options.height ?? 480;
  const plot = { left: 82, top: 52, right: width - 24, bottom: height - 58 };
  const epochs = Math.max(0, ...options.series.map((s) => s.values.length));

  const finite = options.series.flatMap((s) => s.values.filter(Number.isFinite));
  const positive = finite.filter((v) => v > 0);
  const wantLog =
    options.yScale === 'log' ||
    (options.yScale !== 'linear' &&
      positive.length === finite.length &&
      positive.length > 0 &&
      Math.max(...positive) / Math.min(...positive) > LOG_RATIO);
  // A log axis cannot show zero or negatives; where asked for one anyway, fall back rather than lie.
  const y = wantLog && positive.length > 0 ? logScale(positive) : linearScale(finite);
  const x = epochScale(epochs);
  const px = (epoch: number) => plot.left + ((epoch - x.min) / (x.max - x.min)) * (plot.right - plot.left);
  const py = (v: number) => plot.bottom - y.position(v) * (plot.bottom - plot.top);

  const out = svgOpen(width, height);
  out.push(title(options.title, width));
  out.push(gridAndTicks(plot, x.ticks.map(px), x.ticks.map(String), y.ticks.map(py), y.ticks.map(y.format)));
  out.push(
    axisLabels(plot, options.xLabel ?? 'epoch', options.yLabel ?? (wantLog ? 'loss (log scale)' : 'loss')),
  );
  if (finite.length === 0) {
    out.push(
      `<text x="${(plot.left + plot.right) / 2}" y="${(plot.top + plot.bottom) / 2}" text-anchor="middle" fill="#888">no data</text>`,
    );
  }

  options.series.forEach((series, s) => {
    const colour = PALETTE[s % PALETTE.length];
    const points = series.values.map((v, i) =>
      Number.isFinite(v) && (!y.log || v > 0) ? ([px(i + 1), py(v)] as const) : null,
    );
    // Non-finite values break the line rather than join across the gap as if nothing had happened.
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1) {
        out.push(
          `<polyline points="${run.join(' ')}" fill="none" stroke="${colour}" stroke-width="2.2" stroke-linejoin="round" stroke-linecap="round"/>`,
        );
      }
      run = [];
    };
    points.forEach((p, i) => {
      if (!p) {
        flush();
        return;
      }
      run.push(`${fmt(p[0])},${fmt(p[1])}`);
      const isolated = !points[i - 1] && !points[i + 1];
      // With few epochs each one is worth seeing; a point with no neighbour would otherwise be invisible.
      if (epochs <= 30 || isolated) {
        out.push(
          `<circle cx="${fmt(p[0])}" cy="${fmt(p[1])}" r="3.5" fill="${colour}" stroke="white" stroke-width="1"/>`,
        );
      }
    });
    flush();
  });

  out.push(
    legend(
      plot.right - 10,
      plot.top + 10,
      options.series.map((s, i) => ({
        label: s.name,
        colour: PALETTE[i % PALETTE.length] as string,
        line: true,
      })),
    ),
  );
  out.push('</svg>');
  return out.join('\n');
}

export function latentScatterSvg(options: LatentScatterOptions): string {
  const { points, labels } = options;
  const n = Math.floor(points.length / 2);
  if (labels.length !== n) {
    throw new RangeError(`latentScatter: ${n} points but ${labels.length} labels`);
  }
  const width = options.width ?? 760;
  const height = options.height ?? 660;
  const legendWidth = 84;
  const plot = { left: 72, top: 52, right: width - legendWidth - 28, bottom: height - 58 };

  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = points[2 * i] as number;
    const b = points[2 * i + 1] as number;
    if (Number.isFinite(a) && Number.isFinite(b)) {
      xs.push(a);
      ys.push(b);
    }
  }
  const x = linearScale(xs, 0.04);
  const y = linearScale(ys, 0.04);
  const px = (v: number) => plot.left + x.position(v) * (plot.right - plot.left);
  const py = (v: number) => plot.bottom - y.position(v) * (plot.bottom - plot.top);

  const out = svgOpen(width, height);
  out.push(title(options.title, width));
  out.push(
    gridAndTicks(plot, x.ticks.map(px), x.ticks.map(x.format), y.ticks.map(py), y.ticks.map(y.format)),
  );
  out.push(axisLabels(plot, options.xLabel ?? 'z[0]', options.yLabel ?? 'z[1]'));

  // Dense plots need smaller dots to show structure; sparse ones need bigger dots to be seen at all.
  const r = n > 5000 ? 2 : n > 1000 ? 2.6 : 3.5;
  // Data order, not grouped by digit, so that no digit is systematically painted over the others.
  const dots: string[] = [`<g fill-opacity="0.55" stroke="none">`];
  for (let i = 0; i < n; i++) {
    const a = points[2 * i] as number;
    const b = points[2 * i + 1] as number;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    const colour = PALETTE[labels[i] as number] ?? '#000000';
    dots.push(`<circle cx="${fmt(px(a))}" cy="${fmt(py(b))}" r="${r}" fill="${colour}"/>`);
  }
  dots.push('</g>');
  out.push(dots.join(''));

  const entries = PALETTE.map((colour: string, digit) => ({ label: String(digit), colour, line: false }));
  if (labels.some((l) => l > 9)) entries.push({ label: 'other', colour: '#000000', line: false });
  out.push(legend(width - 14, plot.top, entries, 'digit'));
  out.push('</svg>');
  return out.join('\n');
}

let dejavuSans: string | undefined;

function fontFile(): string {
  dejavuSans ??= join(
    dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')),
    'ttf',
    'DejaVuSans.ttf',
  );
  return dejavuSans;
}

export function renderSvg(svg: string, options: RenderOptions = {}): Uint8Array {
  const scale = options.scale ?? 1;
  const resvg = new Resvg(svg, {
    font: { fontFiles: [fontFile()], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
    fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale },
    background: 'white',
  });
  const png = resvg.render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

// ---------------------------------------------------------------------------------------------------
// Scales

interface Scale {
  min: number;
  max: number;
  log: boolean;
  ticks: number[];
  /** Where v falls between min (0) and max (1). */
  position: (v: number) => number;
  format: (v: number) => string;
}

/** 1, 2 or 5 times a power of ten, near range/target: the steps people read without effort. */
function niceStep(range: number, target: number): number {
  const raw = range / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction < 1.5 ? 1 : fraction < 3.5 ? 2 : fraction < 7.5 ? 5 : 10) * power;
}

function linearScale(values: readonly number[], pad = 0): Scale {
  let lo = 0;
  let hi = 1;
  if (values.length > 0) {
    // A loop, not Math.min(...values): spreading a whole test set's coordinates can overflow the stack.
    lo = Number.POSITIVE_INFINITY;
    hi = Number.NEGATIVE_INFINITY;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
    // One value, or all the same: give it room rather than divide by a zero range.
    const half = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= half;
    hi += half;
  }
  const span = hi - lo;
  lo -= span * pad;
  hi += span * pad;
  const step = niceStep(hi - lo, 6);
  // Axis ends on ticks, so the plot is framed by labelled values.
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let t = min; t <= max + step * 1e-6; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  return {
    min,
    max,
    log: false,
    ticks,
    position: (v) => (v - min) / (max - min),
    format: (v) => (Math.abs(v) >= 1e6 ? v.toExponential(1) : v.toFixed(decimals)),
  };
}

function logScale(values: readonly number[]): Scale {
  const lo = Math.log10(Math.min(...values));
  const hi = Math.log10(Math.max(...values));
  const min = Math.floor(lo);
  const max = Math.max(min + 1, Math.ceil(hi));
  const decades = max - min;
  // Few decades leave room for 2 and 5 in between; many would crowd the axis, so keep only powers of ten.
  const mantissas = decades <= 2 ? [1, 2, 5] : [1];
  const every = Math.ceil(decades / 8);
  const ticks: number[] = [];
  for (let d = min; d <= max; d++) {
    if ((d - min) % every !== 0) continue;
    for (const m of mantissas) if (d < max || m === 1) ticks.push(m * 10 ** d);
  }
  return {
    min: 10 ** min,
    max: 10 ** max,
    log: true,
    ticks,
    position: (v) => (Math.log10(v) - min) / decades,
    format: (v) => {
      const exponent = Math.floor(Math.log10(v) + 1e-9);
      return exponent < -4 || exponent > 5 ? v.toExponential(0) : String(Number(v.toPrecision(1)));
    },
  };
}

function epochScale(epochs: number): { min: number; max: number; ticks: number[] } {
  // One epoch gets a window around it rather than a zero-width axis.
  if (epochs <= 1) return { min: 0, max: 2, ticks: [1] };
  const step = Math.max(1, Math.round(niceStep(epochs - 1, 8)));
  const ticks: number[] = step === 1 ? [] : [1];
  for (let t = step; t <= epochs; t += step) ticks.push(t);
  return { min: 1, max: epochs, ticks };
}

// ---------------------------------------------------------------------------------------------------
// SVG pieces

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

function svgOpen(width: number, height: number): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans" font-size="${FONT_SIZE}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
}

function title(text: string, width: number): string {
  return `<text x="${width / 2}" y="30" text-anchor="middle" font-size="17" font-weight="bold" fill="#222">${escapeXml(text)}</text>`;
}

function gridAndTicks(plot: Box, xs: number[], xLabels: string[], ys: number[], yLabels: string[]): string {
  const parts: string[] = [];
  xs.forEach((x, i) => {
    if (x < plot.left - 0.5 || x > plot.right + 0.5) return;
    parts.push(
      `<line x1="${fmt(x)}" y1="${plot.top}" x2="${fmt(x)}" y2="${plot.bottom}" stroke="${GRID_COLOUR}"/>`,
      `<line x1="${fmt(x)}" y1="${plot.bottom}" x2="${fmt(x)}" y2="${plot.bottom + 5}" stroke="${AXIS_COLOUR}"/>`,
      `<text x="${fmt(x)}" y="${plot.bottom + 20}" text-anchor="middle" fill="${AXIS_COLOUR}">${escapeXml(xLabels[i] ?? '')}</text>`,
    );
  });
  ys.forEach((y, i) => {
    if (y < plot.top - 0.5 || y > plot.bottom + 0.5) return;
    parts.push(
      `<line x1="${plot.left}" y1="${fmt(y)}" x2="${plot.right}" y2="${fmt(y)}" stroke="${GRID_COLOUR}"/>`,
      `<line x1="${plot.left - 5}" y1="${fmt(y)}" x2="${plot.left}" y2="${fmt(y)}" stroke="${AXIS_COLOUR}"/>`,
      `<text x="${plot.left - 8}" y="${fmt(y + 4.5)}" text-anchor="end" fill="${AXIS_COLOUR}">${escapeXml(yLabels[i] ?? '')}</text>`,
    );
  });
  parts.push(
    `<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}" fill="none" stroke="${AXIS_COLOUR}"/>`,
  );
  return parts.join('\n');
}

function axisLabels(plot: Box, xLabel: string, yLabel: string): string {
  const cx = (plot.left + plot.right) / 2;
  const cy = (plot.top + plot.bottom) / 2;
  return [
    `<text x="${cx}" y="${plot.bottom + 44}" text-anchor="middle" fill="#222">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(${plot.left - 60} ${cy}) rotate(-90)" text-anchor="middle" fill="#222">${escapeXml(yLabel)}</text>`,
  ].join('\n');
}

/** A boxed legend whose top-right corner is at (right, top). */
function legend(
  right: number,
  top: number,
  entries: readonly { label: string; colour: string; line: boolean }[],
  heading?: string,
): string {
  if (entries.length === 0) return '';
  const rowHeight = 20;
  const textWidth =
    Math.max(...entries.map((e) => e.label.length), heading?.length ?? 0) * FONT_SIZE * CHAR_EM;
  const width = Math.ceil(36 + textWidth + 10);
  const height = (entries.length + (heading ? 1 : 0)) * rowHeight + 10;
  const left = right - width;
  const parts = [
    `<rect x="${fmt(left)}" y="${top}" width="${width}" height="${height}" rx="3" fill="white" fill-opacity="0.9" stroke="#bbb"/>`,
  ];
  let y = top + 5 + rowHeight / 2;
  if (heading) {
    parts.push(
      `<text x="${fmt(left + 10)}" y="${fmt(y + 4.5)}" font-weight="bold" fill="#222">${escapeXml(heading)}</text>`,
    );
    y += rowHeight;
  }
  for (const e of entries) {
    parts.push(
      e.line
        ? `<line x1="${fmt(left + 8)}" y1="${fmt(y)}" x2="${fmt(left + 28)}" y2="${fmt(y)}" stroke="${e.colour}" stroke-width="2.5"/>`
        : `<circle cx="${fmt(left + 18)}" cy="${fmt(y)}" r="5" fill="${e.colour}"/>`,
      `<text x="${fmt(left + 36)}" y="${fmt(y + 4.5)}" fill="#222">${escapeXml(e.label)}</text>`,
    );
    y += rowHeight;
  }
  return parts.join('\n');
}

function fmt(v: number): string {
  return String(Math.round(v * 10) / 10);
}

function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );
}
