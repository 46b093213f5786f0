/**
 * `pnpm --filter @autoencoders/edge-api openapi`: writes openapi.json, the API's contract, from the
 * route schemas; `--check` only says whether the file is current. The client package's types are
 * generated from that file, and the worker tests fail when it differs from what the app serves.
 *
 * Keys are sorted at every level so that reordering code changes nothing in the file; the repo's Biome
 * lays it out, so `biome check` agrees with it; and the file is replaced by a rename, so a reader never
 * sees half of it.
 */
import { execFile } from 'node:child_process';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ModelRunner, type OrtLike, parseManifest } from '@autoencoders/modelkit';
import { createApp } from '../src/app.ts';
import { contract } from '../src/openapi.ts';

const OUT = fileURLToPath(new URL('../openapi.json', import.meta.url));
const MANIFEST = new URL('../../../models/manifest.json', import.meta.url);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

/** The contract as the file holds it. */
export async function renderContract(): Promise<string> {
  const manifest = parseManifest(JSON.parse(await readFile(MANIFEST, 'utf8')));
  // Building the document runs no model: an ort that must never be called and no files.
  const never = () => {
    throw new Error('scripts/openapi.ts runs no inference');
  };
  const ort = new Proxy({}, { get: never }) as OrtLike;
  const app = createApp(new ModelRunner({ manifest, ort, getFile: never }));
  return biomeFormat(JSON.stringify(sortKeys(contract(app)), null, 2), 'apps/edge-api/openapi.json');
}

/** `text` as the repo's Biome formats it at `path` (relative to the repo root, for its settings). */
function biomeFormat(text: string, path: string): Promise<string> {
  const biome = createRequire(`${ROOT}package.json`).resolve('@biomejs/biome/bin/biome');
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [biome, 'format', `--stdin-file-path=${path}`],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`biome format: ${stderr || error.message}`)) : resolve(stdout),
    );
    child.stdin?.end(text);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const text = await renderContract();
  const current = await readFile(OUT, 'utf8').catch(() => '');
  if (values.check) {
    if (current !== text) {
      console.error('openapi.json is stale: run `pnpm --filter @autoencoders/edge-api openapi`');
      process.exit(1);
    }
    console.log('openapi.json is current');
  } else if (current === text) {
    console.log('openapi.json is current');
  } else {
    const temporary = `${OUT}.${process.pid}.tmp`;
    await writeFile(temporary, text);
    await rename(temporary, OUT);
    console.log(`wrote ${OUT}`);
  }
}
