/**
 * Serves (dev) and copies into the build (production) what the page loads besides Vite's bundles,
 * every file under a name that carries a hash of its content (see src/asset-paths.ts):
 *
 * - models/: the manifest and the ONNX files the page runs, each checked against the manifest's
 *   sha256. Only the files modelkit's ModelRunner serves from: a model with an encoder and a decoder
 *   reconstructs through them, so its whole-autoencoder file (the same weights again) is left out,
 *   as the edge API leaves it out. Where the manifest gives the browser float16 weights
 *   (`precision.browser`), each such file's float16 variant is served instead of it.
 * - data/: the MNIST test digits as grey PNG sprites, the first screen's 100 and all 2,000.
 * - ort/: onnxruntime-web's WebAssembly, brotli-compressed (see ORT_BROTLI).
 *
 * `virtual:demo-assets` tells the page those names. `vite preview` here also applies the build's
 * `_headers` file, as Workers static assets do, so that what the tests and the bench measure locally
 * (cross-origin isolation, immutable caching) is what a deployment sends.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants } from 'node:zlib';
// Types only: Vite loads this config with Node, which cannot import the workspace's .ts packages.
import type { Manifest, ManifestModel } from '@autoencoders/modelkit';
import type { Connect, Plugin } from 'vite';
import {
  DATA_DIR,
  type DemoAssets,
  HEAD_DIGITS,
  hashedName,
  MODELS_DIR,
  ORT_DIR,
  ORT_VERSION,
  ORT_WASM,
  type OrtBuild,
} from '../src/asset-paths.ts';
import { digitSprite, loadTestDigits } from './test-digits.ts';

const brotli = promisify(brotliCompress);

export const VIRTUAL_ID = 'virtual:demo-assets';
const RESOLVED_VIRTUAL_ID = `\0${VIRTUAL_ID}`;

/**
 * Brotli at its strongest, with a 16 MiB window: ort's 14.2 MB WASM build comes to 2.3 MB (gzip: 3.7 MB),
 * its 28 MB WebGPU build under the 25 MiB a Workers static asset may weigh. Browsers have no brotli
 * DecompressionStream, so the page's worker inflates it with a small JS decoder (~0.25 s, off the main
 * thread); a server that sends it with `Content-Encoding: br` instead is fine too (see ort-runtime.ts).
 */
const ORT_BROTLI = {
  [constants.BROTLI_PARAM_QUALITY]: 11,
  [constants.BROTLI_PARAM_LGWIN]: 24,
  [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_GENERIC,
};
/** Part of the ort file names' hash and of the cache key, so that new settings never reuse old output. */
const ORT_ENCODING = 'br-q11-w24';

export interface DemoAssetsOptions {
  /** The folder holding manifest.json and the ONNX files; default: the repo's models/. */
  modelsDir?: string;
}

interface Asset {
  contentType: string;
  bytes: () => Promise<Uint8Array>;
}

interface Collected {
  /** Every file by its path under the base URL. */
  files: Map<string, Asset>;
  /** What `virtual:demo-assets` exports. */
  urls: DemoAssets;
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
/** 12 hex digits (48 bits) tell apart every version a deployment will ever hold. */
const short = (hex: string) => hex.slice(0, 12);

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let cached: Promise<T> | undefined;
  return () => {
    cached ??= make();
    return cached;
  };
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
 * Compressing ort's 43 MB of wasm at brotli's top quality takes over a minute on two cores; the result
 * only changes with the file, so it is kept in node_modules/.cache, keyed by the file's hash.
 */
async function brotliCached(path: string, hash: string): Promise<Uint8Array> {
  const cacheDir = fileURLToPath(new URL('../node_modules/.cache/ort-wasm-br/', import.meta.url));
  const cached = join(cacheDir, `${basename(path)}-${hash}.br`);
  try {
    return new Uint8Array(await readFile(cached));
  } catch {
    const raw = await readFile(path);
    const bytes = new Uint8Array(
      await brotli(raw, { params: { ...ORT_BROTLI, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
    );
    await mkdir(cacheDir, { recursive: true });
    // Written under a temporary name first, so that a concurrent build never reads half a file.
    const partial = `${cached}.${process.pid}.tmp`;
    await writeFile(partial, bytes);
    await rename(partial, cached);
    return bytes;
  }
}

/**
 * True where ModelRunner reconstructs through the encoder and decoder (modelkit's `composes`). A copy:
 * Vite loads its config's plugins with Node, which cannot run modelkit's TypeScript source.
 */
function composes(model: ManifestModel): boolean {
  return model.files.some((f) => f.role === 'encoder') && model.files.some((f) => f.role === 'decoder');
}

async function collect(modelsDir: string): Promise<Collected> {
  const files = new Map<string, Asset>();

  const manifestPath = join(modelsDir, 'manifest.json');
  const manifestBytes = new Uint8Array(await readFile(manifestPath));
  // The page validates the manifest with modelkit's parseManifest; here only the file list matters.
  const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as Manifest;
  const manifestUrl = MODELS_DIR + hashedName('manifest.json', short(sha256(manifestBytes)));
  files.set(manifestUrl, { contentType: 'application/json', bytes: async () => manifestBytes });

  const models: Record<string, string> = {};
  for (const model of Object.values(manifest.models)) {
    for (const float32 of model?.files ?? []) {
      if (float32.role === 'autoencoder' && composes(model)) continue;
      // The page runs modelkit's browserManifest(): the float16 variant where the model's browser
      // choice is float16, the float32 file otherwise. Only the file it runs is served.
      const variant =
        model.precision?.browser === 'float16'
          ? float32.variants?.find((v) => v.weightsDtype === 'float16')
          : undefined;
      const file = variant ?? float32;
      if (!/^[A-Za-z0-9_.-]+$/.test(file.path))
        throw new Error(`${manifestPath}: bad file name ${file.path}`);
      if (!/^[0-9a-f]{64}$/.test(file.sha256))
        throw new Error(`${manifestPath}: bad sha256 for ${file.path}`);
      // The manifest's sha256 is the content hash; the bytes are checked against it when read.
      const url = MODELS_DIR + hashedName(file.path, short(file.sha256));
      models[file.path] = url;
      files.set(url, {
        contentType: 'application/octet-stream',
        bytes: once(async () => {
          const bytes = new Uint8Array(await readFile(join(modelsDir, file.path)));
          // A model that does not match its manifest entry would give numbers nobody can reproduce.
          const sha = sha256(bytes);
          if (sha !== file.sha256) throw new Error(`${file.path}: sha256 ${sha} ≠ manifest ${file.sha256}`);
          return bytes;
        }),
      });
    }
  }

  const digits = loadTestDigits();
  const sprites = {
    head: digitSprite(digits, Math.min(HEAD_DIGITS, digits.index.count)),
    all: digitSprite(digits),
  };
  const spriteUrl = (name: string, bytes: Uint8Array) => DATA_DIR + hashedName(name, short(sha256(bytes)));
  const head = { url: spriteUrl('mnist-test-head.png', sprites.head), bytes: sprites.head.length };
  const all = { url: spriteUrl('mnist-test-digits.png', sprites.all), bytes: sprites.all.length };
  files.set(head.url, { contentType: 'image/png', bytes: async () => sprites.head });
  files.set(all.url, { contentType: 'image/png', bytes: async () => sprites.all });

  const ortDir = ortDistDir();
  const ort = {} as DemoAssets['ort'];
  for (const [build, name] of Object.entries(ORT_WASM) as [OrtBuild, string][]) {
    const path = join(ortDir, name);
    const hash = short(sha256(`${ORT_ENCODING}:${sha256(await readFile(path))}`));
    const bytes = once(() => brotliCached(path, hash));
    const url = `${ORT_DIR}${hashedName(name, hash)}.br`;
    // The compressed size is only known once compressed: the dev server does not wait for that.
    ort[build] = { url, bytes: 0 };
    files.set(url, { contentType: 'application/octet-stream', bytes });
  }

  const urls: DemoAssets = {
    manifest: manifestUrl,
    models,
    ort,
    digits: {
      source: digits.index.source,
      labels: digits.index.labels.join(''),
      head: { ...head, count: Math.min(HEAD_DIGITS, digits.index.count) },
      all: { ...all, count: digits.index.count },
    },
  };
  return { files, urls };
}

/** One rule of a `_headers` file: a path pattern (`*` matches anything) and the headers to add. */
interface HeaderRule {
  pattern: RegExp;
  headers: [string, string][];
}

/** Parses Cloudflare's `_headers` format: a path line, then indented `Name: value` lines; `#` comments. */
export function parseHeaders(text: string): HeaderRule[] {
  const rules: HeaderRule[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      const source = line
        .trim()
        .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*');
      rules.push({ pattern: new RegExp(`^${source}$`), headers: [] });
      continue;
    }
    const rule = rules.at(-1);
    const colon = line.indexOf(':');
    if (!rule || colon < 0) throw new Error(`_headers: header outside a rule or without a colon: ${line}`);
    rule.headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return rules;
}

export function demoAssets(options: DemoAssetsOptions = {}): Plugin {
  const modelsDir = options.modelsDir
    ? resolve(options.modelsDir)
    : fileURLToPath(new URL('../../../models', import.meta.url));
  let collected: Promise<Collected> | undefined;
  const all = () => {
    collected ??= collect(modelsDir);
    return collected;
  };
  let isBuild = false;

  return {
    name: 'autoencoders-demo-assets',

    configResolved(config) {
      isBuild = config.command === 'build';
    },

    resolveId(id) {
      return id === VIRTUAL_ID ? RESOLVED_VIRTUAL_ID : undefined;
    },

    async load(id) {
      if (id !== RESOLVED_VIRTUAL_ID) return undefined;
      const { files, urls } = await all();
      if (isBuild) {
        // The page shows how much it is about to download; a build can afford to compress first.
        for (const build of Object.keys(urls.ort) as OrtBuild[]) {
          const asset = files.get(urls.ort[build].url);
          if (asset) urls.ort[build].bytes = (await asset.bytes()).length;
        }
      }
      return `export default ${JSON.stringify(urls)};`;
    },

    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const base = server.config.base;
        const path = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
        if (!path.startsWith(base)) return next();
        all()
          .then(async ({ files }) => {
            const asset = files.get(path.slice(base.length));
            if (!asset) return next();
            const bytes = await asset.bytes();
            res.setHeader('Content-Type', asset.contentType);
            res.setHeader('Content-Length', String(bytes.byteLength));
            res.end(bytes);
          })
          .catch((error: unknown) => next(error));
      });
      // Edits to the models or the manifest take effect on the next page load.
      server.watcher.add(modelsDir);
      server.watcher.on('change', (file) => {
        if (!file.startsWith(modelsDir)) return;
        collected = undefined;
        const module = server.moduleGraph.getModuleById(RESOLVED_VIRTUAL_ID);
        if (module) server.moduleGraph.invalidateModule(module);
      });
    },

    async generateBundle(_options, bundle) {
      // The worker hands ort the decompressed bytes itself, so ort's own copies of the wasm, which Vite
      // emits because ort refers to them with new URL(…, import.meta.url), are never fetched.
      for (const fileName of Object.keys(bundle)) {
        if (/(^|\/)ort-wasm-simd-threaded[^/]*\.wasm$/.test(fileName)) delete bundle[fileName];
      }
      for (const [fileName, asset] of (await all()).files) {
        this.emitFile({ type: 'asset', fileName, source: await asset.bytes() });
      }
    },

    configurePreviewServer(server) {
      const outDir = resolve(server.config.root, server.config.build.outDir);
      let rules: HeaderRule[] = [];
      try {
        rules = parseHeaders(readFileSync(join(outDir, '_headers'), 'utf8'));
      } catch {
        server.config.logger.warn('demo-assets: no _headers in the build; previewing without its headers');
      }
      const base = server.config.base;
      const applyHeaders: Connect.NextHandleFunction = (req, res, next) => {
        const path = `/${decodeURIComponent((req.url ?? '').split('?')[0] ?? '').slice(base.length)}`;
        for (const rule of rules) {
          if (!rule.pattern.test(path)) continue;
          for (const [name, value] of rule.headers) res.setHeader(name, value);
        }
        // vite preview (sirv) would send ort's .br file with Content-Encoding: br and the browser would
        // inflate it; Workers static assets send the bytes as they are. Behave like the latter, so the
        // tests run the page's own decoder, as production does.
        if (path.endsWith('.br') || path.endsWith('.gz')) {
          res.setHeader('Content-Encoding', 'identity');
          res.setHeader('Content-Type', 'application/octet-stream');
        }
        next();
      };
      server.middlewares.use(applyHeaders);
    },
  };
}
