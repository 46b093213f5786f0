// The trainer's folders depend one way: models ← train ← report ← cli (the top-level files), over the
// shared basics (errors, io, data, backend). A file may import its own unit or a lower layer, never a
// sibling unit of its layer or anything above it. Scans the import specifiers of src/ so a new upward
// import fails here rather than creeping back in.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

/** Layers, bottom first; each entry a unit: a folder of src/ or a top-level file. */
const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts'],
  ['io', 'data', 'backend.ts'],
  ['models'],
  ['train'],
  ['report'],
  // The CLI and the package's entry points.
  ['cli.ts', 'run.ts', 'index.ts', 'artifacts.ts'],
];
/** Units of the top layer may import each other (cli.ts runs run.ts; index.ts re-exports). */
const TOP = LAYERS.length - 1;

function unitOf(file: string): string {
  const [first] = path.relative(SRC, file).split(path.sep);
  return first as string;
}

function layerOf(unit: string): number {
  const layer = LAYERS.findIndex((units) => units.includes(unit));
  if (layer < 0) throw new Error(`src/${unit} belongs to no layer: add it to LAYERS in test/layers.test.ts`);
  return layer;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.(ts|mts|js|mjs)$/.test(e.name) ? [full] : [];
  });
}

/** Relative specifiers of static imports, re-exports and dynamic imports. */
export function relativeImports(source: string): string[] {
  const specifiers = [
    ...source.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]/gm),
    ...source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1] as string);
  return specifiers.filter((s) => s.startsWith('.'));
}

describe('trainer folder layering', () => {
  const files = sourceFiles(SRC);

  it('finds the source files and their imports', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(
      relativeImports("import { a } from './x.ts';\nexport { b } from '../y.ts';\nawait import('./z.ts');"),
    ).toEqual(['./x.ts', '../y.ts', './z.ts']);
  });

  it('places every unit of src/ in a layer', () => {
    for (const file of files) expect(() => layerOf(unitOf(file))).not.toThrow();
  });

  it('has no import from a sibling unit or a layer above', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = unitOf(file);
      const fromLayer = layerOf(from);
      for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
        const target = path.resolve(path.dirname(file), spec);
        const rel = path.relative(SRC, target);
        if (rel.startsWith('..')) {
          violations.push(`src/${path.relative(SRC, file)} imports ${spec}, outside src/`);
          continue;
        }
        const to = unitOf(target);
        if (to === from) continue;
        const toLayer = layerOf(to);
        if (toLayer < fromLayer || (toLayer === TOP && fromLayer === TOP)) continue;
        violations.push(`src/${path.relative(SRC, file)} (${from}) imports ${spec} (${to})`);
      }
    }
    expect(violations).toEqual([]);
  });
});
