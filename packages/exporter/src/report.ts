import type { ExportedFileSummary } from './export.ts';

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
