/**
 * The package as it would be published: packed by pnpm (`prepack` builds dist/), checked by publint
 * and Are the Types Wrong, installed with plain npm into an empty folder outside the workspace, and run
 * as plain ESM against the edge API under `wrangler dev`.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWranglerDev, type WranglerDev } from '../../../apps/edge-api/scripts/wrangler-dev.ts';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const DIGIT_PNG = join(root, 'docs/seven.png');

let work: string;
let tarball: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'autoencoders-client-'));
  await run(join(root, 'node_modules/.bin/pnpm'), ['pack', '--pack-destination', work], { cwd: packageDir });
  const [name] = (await readdir(work)).filter((f) => f.endsWith('.tgz'));
  if (!name) throw new Error(`pnpm pack left no tarball in ${work}`);
  tarball = join(work, name);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

it('passes publint, warnings counted as errors', async () => {
  const bytes = await readFile(tarball);
  const { messages, pkg } = await publint({
    pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
    strict: true,
  });
  expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg)}`)).toEqual([]);
});

it('passes Are the Types Wrong (ESM-only profile: no CommonJS or node10 resolution expected)', async () => {
  const attw = join(packageDir, 'node_modules/.bin/attw');
  // attw exits non-zero on any problem the profile counts; its table says which.
  const { code, stdout } = await run(attw, [
    tarball,
    '--profile',
    'esm-only',
    '--no-color',
    '--no-emoji',
  ]).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code?: number; stdout?: string; message: string }) => ({
      code: error.code ?? 1,
      stdout: error.stdout ?? error.message,
    }),
  );
  expect(code, stdout).toBe(0);
});

describe('installed with npm outside the workspace', () => {
  let app: string;
  let server: WranglerDev;

  beforeAll(async () => {
    app = join(work, 'app');
    const install = async () => {
      await run('mkdir', ['-p', app]);
      await writeFile(join(app, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
      await run('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: app });
      await copyFile(fileURLToPath(new URL('fixtures/smoke.mjs', import.meta.url)), join(app, 'smoke.mjs'));
    };
    [server] = await Promise.all([startWranglerDev(), install()]);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('lists the models, reconstructs a PNG as a PNG, decodes a latent point and reports a problem', async () => {
    const { stdout } = await run(process.execPath, ['smoke.mjs', server.url, DIGIT_PNG], { cwd: app });
    const result = JSON.parse(stdout);
    expect(result.models).toEqual(['simple', 'sparse', 'deep', 'conv', 'denoise', 'seq2seq', 'vae']);
    expect(result.png.signature).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect([result.png.width, result.png.height]).toEqual([28, 28]);
    expect(result.png.inferenceMs).toBeGreaterThanOrEqual(0);
    expect(result.decoded).toEqual({ model: 'vae', images: 1, pixels: 784, float32: true });
    expect(result.unknown).toBe('unknown-model');
  });
});
