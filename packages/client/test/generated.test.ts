import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { GENERATED, renderTypes } from '../scripts/generate.ts';

it('src/generated/openapi.ts is current with apps/edge-api/openapi.json (else: pnpm --filter @autoencoders/client generate)', async () => {
  expect(await readFile(GENERATED, 'utf8')).toBe(await renderTypes());
});
