import { formatFigure } from '@autoencoders/modelkit';
import type { ExportedFileSummary } from './export.ts';
import type { Float16Decision } from './variants.ts';

const size = (bytes: number) =>
  bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

/** The table the CLI prints: one row per file written. */
export function formatTable(files: readonly ExportedFileSummary[]): string {
  const header = ['file', 'role', 'size', 'max |tfjs − ort|', 'samples'];
  const rows = files.map((f) => [
    f.path,
    f.role,
    size(f.bytes),
    f.maxAbsDiff.toExponential(2),
    String(f.samples),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  // Text left, numbers right, so the columns of figures line up.
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The float16 pass's table: one row per model, its figures both ways and what the browser loads. */
export function formatFloat16Table(decisions: readonly Float16Decision[]): string {
  const header = ['model', 'figure', 'float32', 'float16', 'change', 'browser', 'browser files'];
  const rows = decisions.map((d) => {
    const [before, after] = d.files.reduce(
      ([a, b], f) => [a + f.bytes, b + (d.precision.browser === 'float16' ? f.variantBytes : f.bytes)],
      [0, 0],
    );
    return [
      d.model,
      d.precision.figures.map((f) => f.metric).join(', '),
      d.precision.figures.map((f) => formatFigure(f.metric, f.float32)).join(', '),
      d.precision.figures.map((f) => formatFigure(f.metric, f.float16)).join(', '),
      `${(d.worstChange * 100).toFixed(3)} %`,
      d.precision.browser,
      `${size(before)} → ${size(after)}`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
