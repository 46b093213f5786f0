/**
 * The API as a Hono app: middleware, routes and errors wired together. `createApp` takes the model
 * runner so that tests can hand it damaged files; src/index.ts builds the real one from the bundled
 * models. The handlers are in handlers.ts, the routes and their schemas in routes.ts.
 */
import type { ModelRunner } from '@autoencoders/modelkit';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { cors } from 'hono/cors';
import { timing } from 'hono/timing';
import { Admission, type AdmissionOptions } from './admission.ts';
import type { AppEnv } from './env.ts';
import { registerHandlers } from './handlers.ts';
import { ADMISSION, LIMITS } from './limits.ts';
import { rateLimit, requestLog, requireKey } from './middleware.ts';
import { registerDocs } from './openapi.ts';
import { PROBLEM_TYPES, Problem, problemResponse, toProblem, validationProblem } from './problems.ts';

export interface AppOptions {
  /** The memory budget and queue of concurrent requests; {@link ADMISSION} by default. */
  admission?: Partial<AdmissionOptions>;
  /** How long a body may stall, and take in all; LIMITS.bodyIdleMs and bodyTotalMs by default. */
  bodyTimeouts?: { idleMs: number; totalMs: number };
}

export function createApp(runner: ModelRunner, options: AppOptions = {}) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success)
        throw validationProblem(result.error, result.target === 'query' ? 'query' : 'body');
    },
  });
  const admission = new Admission({ ...ADMISSION, ...options.admission });

  app.use(requestLog());
  app.use(
    cors({
      origin: (origin, c: Context<AppEnv>) => allowedOrigin(c.env?.CORS_ORIGINS, origin),
      allowMethods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'Accept', 'Authorization', 'If-None-Match'],
      exposeHeaders: ['Server-Timing', 'Retry-After', 'ETag', 'X-Request-Id'],
      maxAge: 86400,
    }),
  );
  const bodyTimeouts = options.bodyTimeouts ?? { idleMs: LIMITS.bodyIdleMs, totalMs: LIMITS.bodyTotalMs };
  app.use(async (c, next) => {
    c.set('runner', runner);
    c.set('bodyTimeouts', bodyTimeouts);
    await next();
  });
  // The owner's controls guard the API itself; /healthz, /openapi.json and /docs stay open.
  app.use('/v1/*', requireKey(), rateLimit());
  app.use(
    timing({
      total: false,
      // Only inference routes record metrics; others would get an empty header.
      enabled: (c) => (c.get('metric')?.headers.length ?? 0) > 0,
      crossOrigin: (c: Context<AppEnv>) => c.env?.CORS_ORIGINS ?? '*',
    }),
  );

  const { prerender } = registerHandlers(app, { runner, admission });
  registerDocs(app);

  app.get('/', (c) => c.redirect('/docs'));
  // Problem `type`s are relative URIs; following one leads to its explanation.
  app.get('/problems/:slug', (c) => {
    const slug = c.req.param('slug');
    if (!Object.hasOwn(PROBLEM_TYPES, slug))
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
        { headers: { Allow: allow.join(', ') } },
      ),
    );
  });

  app.onError((error, c) => {
    const problem = toProblem(error);
    const facts = c.get('facts');
    if (facts) facts.problem = problem.extra.clientAbort ? 'client-abort' : problem.slug;
    if (problem.slug === 'internal') {
      // The one place a stack reaches the logs; with source maps uploaded it names our lines.
      console.error(
        JSON.stringify({
          level: 'error',
          requestId: c.get('requestId'),
          route: c.req.routePath,
          error:
            error instanceof Error
              ? { name: error.name, message: error.message, stack: error.stack }
              : String(error),
        }),
      );
    }
    return problemResponse(c, problem);
  });

  return Object.assign(app, { prerender });
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
