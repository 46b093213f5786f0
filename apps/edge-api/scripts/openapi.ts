import { readFile, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ModelRunner, type OrtLike, parseManifest } from '@autoencoders/modelkit';
import { biomeFormat } from '../../../scripts/biome-format.ts';
import { createApp } from '../src/app.ts';
import { contract } from '../src/openapi.ts';

const OUT = fileURLToPath(new URL('../openapi.json', import.meta.url));
const MANIFEST = new URL('../../../models/manifest.json', import.meta.url);
const _ROOT = fileURLToPath(new URL('../../../', import.meta.url));

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
