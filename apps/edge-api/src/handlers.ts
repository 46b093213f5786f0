/** The handlers of the routes in routes.ts: each reads its input, runs one operation, answers. */
import {
  addGaussianNoise,
  type Batch,
  CATALOG,
  encodePng,
  IMAGE_SIDE,
  type ManifestModel,
  type ModelRunner,
  type Operation,
  seededRandom,
  tile,
} from '@autoencoders/modelkit';
import type { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { endTime, startTime } from 'hono/timing';
import type { Admission } from './admission.ts';
import { conditional, ManifoldCache, manifoldCacheKey, releaseTag, sharedCache } from './cache.ts';
import type { AppEnv } from './env.ts';
import { flatten, inputImages, jsonWithRows, pngResponse, wantsPng } from './io.ts';
import { LIMITS } from './limits.ts';
import { Problem } from './problems.ts';
import * as routes from './routes.ts';
import type * as schemas from './schemas.ts';

export function registerHandlers(
  app: OpenAPIHono<AppEnv>,
  { runner, admission }: { runner: ModelRunner; admission: Admission },
): { prerender: () => Promise<void> } {
  const release = releaseTag(runner.manifest);
  const served = new Set(runner.files().map((f) => f.path));
  const summary = (model: ManifestModel) => describe(model, served);
  const manifolds = new ManifoldCache();
  app.use(async (c, next) => {
    c.set('admission', admission);
    c.set('release', release);
    await next();
  });
  const keyed = (c: Context<AppEnv>) => Boolean(c.env?.API_KEYS?.trim());

  /**
   * Runs inference under a Server-Timing `inference` entry, after a `session` entry for opening the
   * model (nothing once the isolate has warmed up), so the two are never confused.
   */
  const timed = async <T>(c: Context<AppEnv>, id: string, operation: Operation, run: () => Promise<T>) => {
    startTime(c, 'session', 'file check and session creation');
    await runner.prepare(id, operation);
    endTime(c, 'session', 2);
    startTime(c, 'inference', 'onnxruntime-web');
    const started = Date.now();
    const result = await run();
    c.var.facts.inferenceMs = Date.now() - started;
    endTime(c, 'inference', 2);
    return result;
  };

  app.openapi(routes.listModels, (c) => {
    const fresh = conditional(c, `${release}.models`, keyed(c));
    if (fresh) return fresh;
    return c.json(
      {
        models: Object.values(runner.manifest.models).map(summary),
        limits: {
          maxBatch: LIMITS.maxBatch,
          maxJsonBytes: LIMITS.maxJsonBytes,
          maxPngBytes: LIMITS.maxPngBytes,
          maxPngPixels: LIMITS.maxPngPixels,
          maxManifold: LIMITS.maxManifold,
        },
        manifest: { createdAt: runner.manifest.createdAt, generator: runner.manifest.generator },
      },
      200,
    );
  });

  app.openapi(routes.getModel, (c) => {
    const { id } = c.req.valid('param');
    const model = runner.model(id);
    const fresh = conditional(c, `${release}.model.${model.id}`, keyed(c));
    if (fresh) return fresh;
    return c.json(summary(model), 200);
  });

  app.openapi(routes.reconstruct, async (c) => {
    const { id } = c.req.valid('param');
    const images = inputImages(c.var.png, c.req.valid('json'));
    c.var.facts.batch = count(images.length, 784);
    const out = finite(await timed(c, id, 'reconstruct', () => runner.reconstruct(id, images)), 'images');
    if (wantsPng(c)) return pngResponse(c, out.data, out.dims[0] as number);
    return jsonWithRows<z.output<typeof schemas.ImagesResult>>(
      c,
      { model: id, count: out.dims[0] as number },
      { images: out },
    );
  });

  app.openapi(routes.encode, async (c) => {
    const { id } = c.req.valid('param');
    const images = inputImages(c.var.png, c.req.valid('json'));
    c.var.facts.batch = count(images.length, 784);
    const outputs = await timed(c, id, 'encode', () => runner.encode(id, images));
    const [code, zLogVar] = [outputs.code ?? outputs.z_mean, outputs.z_log_var];
    if (!code) throw new Error(`model ${id}'s encoder gave neither code nor z_mean`);
    finite(code, 'images');
    if (zLogVar) finite(zLogVar, 'images');
    const codeShape = code.dims.slice(1);
    if (wantsPng(c)) {
      // The post draws conv's 4×4×8 codes as 4×32 pictures; flat codes as a near-square block.
      const [tileHeight, tileWidth] =
        codeShape.length === 3
          ? [codeShape[0] as number, (codeShape[1] as number) * (codeShape[2] as number)]
          : block(code.data.length / (code.dims[0] as number));
      return pngResponse(c, code.data, code.dims[0] as number, { tileWidth, tileHeight, normalise: 'all' });
    }
    return jsonWithRows<z.output<typeof schemas.EncodeResult>>(
      c,
      { model: id, count: code.dims[0] as number, codeShape },
      { codes: code, zLogVar },
    );
  });

  app.openapi(routes.decode, async (c) => {
    const { id } = c.req.valid('param');
    const { codes } = c.req.valid('json');
    const size = runner.inputSize(id, 'decoder');
    const bad = codes.findIndex((code) => code.length !== size);
    if (bad >= 0) {
      const shape = Object.hasOwn(CATALOG, id) ? CATALOG[id as keyof typeof CATALOG].codeShape : undefined;
      throw new Problem(
        'vector-length',
        `codes[${bad}] has ${codes[bad]?.length} values; model '${id}' decodes codes of ${size} (shape [${shape}], flattened)`,
      );
    }
    c.var.facts.batch = codes.length;
    const out = finite(await timed(c, id, 'decode', () => runner.decode(id, flatten(codes, size))), 'codes');
    if (wantsPng(c)) return pngResponse(c, out.data, out.dims[0] as number);
    return jsonWithRows<z.output<typeof schemas.ImagesResult>>(
      c,
      { model: id, count: out.dims[0] as number },
      { images: out },
    );
  });

  const denoise = async (
    c: Context<AppEnv>,
    query: z.output<typeof schemas.DenoiseQuery>,
    json: Parameters<typeof inputImages>[1],
  ) => {
    const { noise, seed } = query;
    const clean = inputImages(c.var.png, json);
    c.var.facts.batch = count(clean.length, 784);
    const noisy = noise > 0 ? addGaussianNoise(clean, noise, seededRandom(seed)) : undefined;
    const out = finite(await timed(c, 'denoise', 'denoise', () => runner.denoise(noisy ?? clean)), 'images');
    const n = out.dims[0] as number;
    if (wantsPng(c)) {
      if (!noisy) return pngResponse(c, out.data, n);
      const both = new Float32Array(noisy.length * 2);
      both.set(noisy);
      both.set(out.data, noisy.length);
      return pngResponse(c, both, n * 2, { rows: 2, cols: n });
    }
    const noisyBatch = noisy ? { data: noisy, dims: out.dims } : undefined;
    return jsonWithRows<z.output<typeof schemas.DenoiseResult>>(
      c,
      { model: 'denoise', count: n },
      { images: out, noisy: noisyBatch },
    );
  };
  app.openapi(routes.denoise, (c) => denoise(c, c.req.valid('query'), c.req.valid('json')));
  app.openapi(routes.denoiseAlias, (c) => denoise(c, c.req.valid('query'), c.req.valid('json')));

  app.openapi(routes.manifold, async (c) => {
    const { id } = c.req.valid('param');
    const { n } = c.req.valid('query');
    const png = wantsPng(c, 'image/png');
    c.header('Vary', 'Accept');
    const fresh = conditional(c, `${release}.manifold.${n}.${png ? 'png' : 'json'}`, keyed(c));
    if (fresh) {
      c.var.facts.cache = 'not-modified';
      return fresh;
    }
    c.var.facts.batch = n * n;
    if (png) {
      // Deterministic for a release: drawn once per isolate (and per location, with the Cache API).
      const key = `${id}.${n}`;
      let bytes = manifolds.get(key);
      c.var.facts.cache = bytes ? 'memory' : 'miss';
      const shared = sharedCache();
      if (!bytes && shared) {
        const hit = await shared.match(manifoldCacheKey(release, n)).catch(() => undefined);
        if (hit) {
          bytes = new Uint8Array(await hit.arrayBuffer());
          c.var.facts.cache = 'cache-api';
        }
      }
      if (!bytes) {
        bytes = await timed(c, id, 'manifold', () => drawManifold(runner, id, n));
        if (shared) {
          const stored = new Response(bytes.slice(), {
            headers: { 'Content-Type': 'image/png', 'Cache-Control': 'public, max-age=31536000, immutable' },
          });
          c.executionCtx.waitUntil(shared.put(manifoldCacheKey(release, n), stored).catch(() => undefined));
        }
      }
      manifolds.set(key, bytes);
      return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': 'image/png' });
    }
    const { images, points } = await timed(c, id, 'manifold', () => runner.manifold(n, id));
    return jsonWithRows<z.output<typeof schemas.ManifoldResult>>(
      c,
      { model: id, n },
      { points, images: finite(images, 'images') },
    );
  });

  app.openapi(routes.healthz, async (c) => {
    const files = await runner.check();
    const ok = files.every((f) => f.status === 'ok');
    return c.json({ status: ok ? ('ok' as const) : ('degraded' as const), files }, ok ? 200 : 503);
  });

  return {
    /** Draws the default manifold into the isolate's cache, for start-up: the one costly GET. */
    prerender: async () => {
      const id = 'vae';
      if (!Object.hasOwn(runner.manifest.models, id) || manifolds.get(`${id}.15`)) return;
      manifolds.set(`${id}.15`, await drawManifold(runner, id, 15));
    },
  };
}

const count = (values: number, size: number) => Math.round(values / size);

/** The manifold as the post draws it: n×n digits edge to edge, one PNG. */
async function drawManifold(runner: ModelRunner, id: string, n: number): Promise<Uint8Array> {
  const { images } = await runner.manifold(n, id);
  return encodePng(
    tile(finite(images, 'images').data, n * n, { rows: n, cols: n, gap: 0, margin: 0, background: 0 }),
  );
}

/**
 * Refuses to answer 200 with numbers that are not finite: a code far outside what the decoder was
 * trained on (e.g. 1e308) overflows it. Names the first input whose output overflowed.
 */
function finite(batch: Batch, input: 'images' | 'codes'): Batch {
  const { data } = batch;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i] as number)) {
      const item = Math.floor(i / (data.length / (batch.dims[0] as number)));
      throw new Problem(
        'non-finite-output',
        `${input}[${item}] drives the model out of range: its output is not a finite number. ${input === 'codes' ? 'Send codes of the size the encoder gives (a few units; the VAE latent points within about ±4)' : 'Send pixel values in 0..1'}`,
      );
    }
  }
  return batch;
}

/** A model as the API shows it, with the files this deployment serves it from. */
function describe(model: ManifestModel, served: ReadonlySet<string>) {
  const base = `/v1/models/${model.id}`;
  const links: Record<string, string> = {};
  for (const op of model.operations) {
    if (op === 'manifold') links.manifold = `${base}/manifold?n=15`;
    else links[op] = `${base}/${op}`;
  }
  const codeShape = CATALOG[model.id].codeShape;
  return {
    id: model.id,
    title: model.title,
    operations: model.operations,
    imageShape: [IMAGE_SIDE, IMAGE_SIDE],
    codeShape: codeShape ? [...codeShape] : null,
    files: model.files
      .filter((f) => served.has(f.path))
      .map(({ role, path, bytes, sha256, inputs, outputs }) => ({
        role,
        path,
        bytes,
        sha256,
        inputs: inputs.map(({ name, shape }) => ({ name, shape })),
        outputs: outputs.map(({ name, shape }) => ({ name, shape })),
      })),
    metrics: model.metrics,
    provenance: { ...model.provenance },
    links,
  };
}

function block(n: number): [number, number] {
  let h = Math.floor(Math.sqrt(n));
  while (n % h !== 0) h--;
  return [h, n / h];
}
