/**
 * The API as a Hono app. `createApp` takes the model runner so that tests can hand it damaged files;
 * src/index.ts builds the real one from the bundled models.
 */
import {
  addGaussianNoise,
  CATALOG,
  IMAGE_SIDE,
  type ManifestModel,
  type ModelRunner,
  type Operation,
  seededRandom,
} from '@autoencoders/modelkit';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { cors } from 'hono/cors';
import { endTime, startTime, timing } from 'hono/timing';
import { flatten, inputImages, pngResponse, rows, type Variables, wantsPng } from './io.ts';
import { LIMITS } from './limits.ts';
import { registerDocs } from './openapi.ts';
import { PROBLEM_TYPES, Problem, problemResponse, toProblem, validationProblem } from './problems.ts';
import * as routes from './routes.ts';

export interface Bindings {
  /** Comma-separated origins allowed to call from a browser, or "*". */
  CORS_ORIGINS?: string;
}

type Env = { Bindings: Bindings; Variables: Variables };

export function createApp(runner: ModelRunner) {
  const app = new OpenAPIHono<Env>({
    defaultHook: (result) => {
      if (!result.success)
        throw validationProblem(result.error, result.target === 'query' ? 'query' : 'body');
    },
  });

  app.use(
    cors({
      origin: (origin, c: Context<Env>) => allowedOrigin(c.env?.CORS_ORIGINS, origin),
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'Accept'],
      exposeHeaders: ['Server-Timing'],
      maxAge: 86400,
    }),
  );
  app.use(async (c, next) => {
    c.set('runner', runner);
    await next();
  });
  app.use(
    timing({
      total: false,
      // Only inference routes record metrics; others would get an empty header.
      enabled: (c) => (c.get('metric')?.headers.length ?? 0) > 0,
      crossOrigin: (c: Context<Env>) => c.env?.CORS_ORIGINS ?? '*',
    }),
  );

  /**
   * Runs inference under a Server-Timing `inference` entry, after a `session` entry for opening the
   * model (about 0.4 s on an isolate's first request, nothing after), so the two are never confused.
   */
  const timed = async <T>(
    c: Context,
    id: string,
    operation: Operation,
    run: () => Promise<T>,
  ): Promise<T> => {
    startTime(c, 'session', 'file check and session creation');
    await runner.prepare(id, operation);
    endTime(c, 'session', 2);
    startTime(c, 'inference', 'onnxruntime-web');
    const result = await run();
    endTime(c, 'inference', 2);
    return result;
  };

  app.openapi(routes.listModels, (c) =>
    c.json(
      {
        models: Object.values(runner.manifest.models).map(summary),
        limits: LIMITS,
        manifest: { createdAt: runner.manifest.createdAt, generator: runner.manifest.generator },
      },
      200,
    ),
  );

  app.openapi(routes.getModel, (c) => c.json(summary(runner.model(c.req.valid('param').id)), 200));

  app.openapi(routes.reconstruct, async (c) => {
    const { id } = c.req.valid('param');
    const images = inputImages(c.var.png, c.req.valid('json'));
    const out = await timed(c, id, 'reconstruct', () => runner.reconstruct(id, images));
    if (wantsPng(c)) return pngResponse(c, out.data, out.dims[0] as number);
    return c.json({ model: id, count: out.dims[0] as number, images: rows(out) }, 200);
  });

  app.openapi(routes.encode, async (c) => {
    const { id } = c.req.valid('param');
    const images = inputImages(c.var.png, c.req.valid('json'));
    const outputs = await timed(c, id, 'encode', () => runner.encode(id, images));
    const [code, logVar] = [outputs.code ?? outputs.z_mean, outputs.z_log_var];
    if (!code) throw new Error(`model ${id}'s encoder gave neither code nor z_mean`);
    const codeShape = code.dims.slice(1);
    if (wantsPng(c)) {
      // The post draws conv's 4×4×8 codes as 4×32 pictures; flat codes as a near-square block.
      const [tileHeight, tileWidth] =
        codeShape.length === 3
          ? [codeShape[0] as number, (codeShape[1] as number) * (codeShape[2] as number)]
          : block(code.data.length / (code.dims[0] as number));
      return pngResponse(c, code.data, code.dims[0] as number, { tileWidth, tileHeight, normalise: 'all' });
    }
    return c.json(
      {
        model: id,
        count: code.dims[0] as number,
        codeShape,
        codes: rows(code),
        ...(logVar ? { logVariance: rows(logVar) } : {}),
      },
      200,
    );
  });

  app.openapi(routes.decode, async (c) => {
    const { id } = c.req.valid('param');
    const { codes } = c.req.valid('json');
    const size = runner.inputSize(id, 'decoder');
    const bad = codes.findIndex((code) => code.length !== size);
    if (bad >= 0) {
      throw new Problem(
        'vector-length',
        `codes[${bad}] has ${codes[bad]?.length} values; model '${id}' decodes codes of ${size} (shape [${CATALOG[id as keyof typeof CATALOG]?.codeShape}], flattened)`,
      );
    }
    const out = await timed(c, id, 'decode', () => runner.decode(id, flatten(codes, size)));
    if (wantsPng(c)) return pngResponse(c, out.data, out.dims[0] as number);
    return c.json({ model: id, count: out.dims[0] as number, images: rows(out) }, 200);
  });

  app.openapi(routes.denoise, async (c) => {
    const { noise, seed } = c.req.valid('query');
    const clean = inputImages(c.var.png, c.req.valid('json'));
    const noisy = noise > 0 ? addGaussianNoise(clean, noise, seededRandom(seed)) : undefined;
    const out = await timed(c, 'denoise', 'denoise', () => runner.denoise(noisy ?? clean));
    const count = out.dims[0] as number;
    if (wantsPng(c)) {
      if (!noisy) return pngResponse(c, out.data, count);
      const both = new Float32Array(noisy.length * 2);
      both.set(noisy);
      both.set(out.data, noisy.length);
      return pngResponse(c, both, count * 2, { rows: 2, cols: count });
    }
    const noisyRows = noisy ? { noisy: rows({ data: noisy, dims: out.dims }) } : {};
    return c.json({ model: 'denoise', count, images: rows(out), ...noisyRows }, 200);
  });

  app.openapi(routes.manifold, async (c) => {
    const { id } = c.req.valid('param');
    const { n } = c.req.valid('query');
    const { images, points } = await timed(c, id, 'manifold', () => runner.manifold(n, id));
    if (wantsPng(c, 'image/png'))
      return pngResponse(c, images.data, n * n, { rows: n, cols: n, gap: 0, margin: 0 });
    return c.json({ model: id, n, points: rows(points), images: rows(images) }, 200);
  });

  app.openapi(routes.healthz, async (c) => {
    const files = await runner.check();
    const ok = files.every((f) => f.status === 'ok');
    return c.json({ status: ok ? ('ok' as const) : ('degraded' as const), files }, ok ? 200 : 503);
  });

  registerDocs(app);
  app.get('/', (c) => c.redirect('/docs'));
  // Problem `type`s are relative URIs; following one leads to its explanation.
  app.get('/problems/:slug', (c) => {
    const slug = c.req.param('slug');
    if (!(slug in PROBLEM_TYPES))
      throw new Problem('not-found', 'no such problem type; /docs#problems lists them');
    return c.redirect(`/docs#problem-${slug}`);
  });

  app.notFound((c) => {
    const allow = allowedMethods(app.routes, c.req.path);
    if (allow.length === 0) {
      return problemResponse(
        c,
        new Problem(
          'not-found',
          `no route ${c.req.method} ${c.req.path}; the API is described at /docs and /openapi.json`,
        ),
      );
    }
    return problemResponse(
      c,
      new Problem(
        'method-not-allowed',
        `${c.req.method} is not allowed on ${c.req.path}; use ${allow.join(' or ')}`,
        {
          headers: { Allow: allow.join(', ') },
        },
      ),
    );
  });

  app.onError((error, c) => {
    const problem = toProblem(error);
    if (problem.slug === 'internal') console.error(`${c.req.method} ${c.req.path}:`, error);
    return problemResponse(c, problem);
  });

  return app;
}

function summary(model: ManifestModel) {
  const base = `/v1/models/${model.id}`;
  const links: Record<string, string> = {};
  for (const op of model.operations) {
    if (op === 'denoise') links.denoise = '/v1/denoise';
    else if (op === 'manifold') links.manifold = `${base}/manifold?n=15`;
    else if (op !== 'generate') links[op] = `${base}/${op}`;
  }
  return {
    id: model.id,
    title: model.title,
    operations: model.operations,
    imageShape: [IMAGE_SIDE, IMAGE_SIDE],
    codeShape: CATALOG[model.id].codeShape ? [...(CATALOG[model.id].codeShape as readonly number[])] : null,
    files: model.files.map(({ role, path, bytes, sha256, inputs, outputs }) => ({
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

function allowedOrigin(config: string | undefined, origin: string): string | null {
  const allowed = (config ?? '*').split(',').map((o) => o.trim());
  if (allowed.includes('*')) return '*';
  return allowed.includes(origin) ? origin : null;
}

/** The methods routed for `path`, so an unknown method gets 405 with `Allow` rather than 404. */
function allowedMethods(routes: readonly { method: string; path: string }[], path: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    if (route.method === 'ALL') continue;
    const pattern = route.path
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/:[^/]+/g, '[^/]+')
      .replace(/\*/g, '.*');
    if (new RegExp(`^${pattern}$`).test(path)) methods.add(route.method);
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods];
}
