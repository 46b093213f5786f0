/**
 * Compiles assembly/kernels.ts (AssemblyScript) into the two modules src/simd.ts loads: one
 * importing a shared memory (the wasm backend's threaded build) and one a plain memory (its
 * single-threaded build). The .wasm files are committed so that nothing is compiled at install or run
 * time; test/simd-build.test.ts fails when they no longer match this source.
 *
 *   pnpm --filter @autoencoders/tfjs-wasm-kernels build:simd [outDir]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SIMD_SOURCE = path.join(root, 'assembly/kernels.ts');
export const SIMD_OUT_DIR = path.join(root, 'src/simd');
export const SIMD_VARIANTS = { shared: 'kernels-shared.wasm', plain: 'kernels.wasm' } as const;

const COMMON = [
  '-O3',
  '--runtime',
  'stub',
  '--enable',
  'simd',
  '--importMemory',
  '--noExportMemory',
  // No imported abort(): the kernels trap on a bad pointer like any wasm code.
  '--use',
  'abort=',
  '--initialMemory',
  '1',
  // The backend's memory may grow to 4 GiB; an import declaring less would be refused.
  '--maximumMemory',
  '65536',
];

/** Section ids of a wasm binary, in order (11 is the data section). */
export function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let p = 8;
  while (p < bytes.length) {
    ids.push(bytes[p++] as number);
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[p++] as number;
      size |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    p += size;
  }
  return ids;
}

export async function buildSimd(outDir = SIMD_OUT_DIR): Promise<void> {
  for (const [variant, file] of Object.entries(SIMD_VARIANTS)) {
    const out = path.join(outDir, file);
    const flags = variant === 'shared' ? ['--enable', 'threads', '--sharedMemory'] : [];
    const { error, stderr } = await asc.main([
      path.relative(process.cwd(), SIMD_SOURCE),
      ...COMMON,
      ...flags,
      '-o',
      out,
    ]);
    if (error) throw new Error(`asc failed for ${file}: ${error.message}\n${stderr.toString()}`);
    // A data segment would be copied into the backend's heap over live tensors at instantiation.
    if (sectionIds(readFileSync(out)).includes(11))
      throw new Error(`${file} has a data segment: keep static data out of ${SIMD_SOURCE}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildSimd(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
}
