/**
 * What runs around the handlers: one log line per request, the owner's API keys and rate limit, and
 * admission (see admission.ts). Each throws a Problem; app.ts's error handler answers it.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { type CostedRequest, estimateCost } from './admission.ts';
import type { AppEnv } from './env.ts';
import { wantsPng } from './io.ts';
import { LIMITS } from './limits.ts';
import { Problem } from './problems.ts';

/**
 * Gives every request an id (Cloudflare's `cf-ray` where there is one), sends it back as
 * `X-Request-Id`, and writes one JSON line per request for Workers Logs: route, model, operation,
 * status, batch size and timings; never image data, keys or addresses.
 */
export function requestLog(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const requestId = c.req.header('cf-ray') ?? crypto.randomUUID();
    c.set('requestId', requestId);
    c.set('facts', {});
    // Workers advance Date.now() only at I/O, so this is wall time as the runtime saw it, not CPU.
    const started = Date.now();
    await next();
    // A request refused before its body was read (413 from Content-Length, 404, 415, 401, 429...):
    // cancel the body, or the runtime holds the answer back until the client has sent all of it.
    const body = c.req.raw.body;
    if (body && !c.req.raw.bodyUsed && !body.locked) body.cancel().catch(() => undefined);
    c.header('X-Request-Id', requestId);
    if (c.env?.REQUEST_LOGS === 'off') return;
    const { facts } = c.var;
    const status = c.res.status;
    const line = {
      level: status >= 500 && facts.problem === 'internal' ? 'error' : 'info',
      requestId,
      method: c.req.method,
      route: c.req.routePath,
      path: c.req.path,
      status,
      ms: Date.now() - started,
      ...facts,
    };
    console.log(JSON.stringify(line));
  };
}

/** API keys, compared as SHA-256 digests in constant time; memoised per isolate and per secret value. */
let keyDigests: { source: string; digests: Promise<ArrayBuffer[]> } | undefined;

async function digest(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
}

const hex = (buffer: ArrayBuffer, bytes = 6) =>
  Array.from(new Uint8Array(buffer).subarray(0, bytes), (b) => b.toString(16).padStart(2, '0')).join('');

function configuredKeys(source: string): Promise<ArrayBuffer[]> {
  if (keyDigests?.source !== source) {
    const keys = source
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    keyDigests = { source, digests: Promise.all(keys.map(digest)) };
  }
  return keyDigests.digests;
}

function equal(a: ArrayBuffer, b: ArrayBuffer): boolean {
  // workerd's constant-time comparison; equal lengths are guaranteed by hashing both sides.
  const subtle = crypto.subtle as SubtleCrypto & {
    timingSafeEqual?: (a: ArrayBuffer, b: ArrayBuffer) => boolean;
  };
  if (subtle.timingSafeEqual) return subtle.timingSafeEqual(a, b);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= (x[i] as number) ^ (y[i] as number);
  return diff === 0;
}

const CHALLENGE = 'Bearer realm="autoencoders"';

/**
 * With `API_KEYS` set, every route this guards needs `Authorization: Bearer <key>`; unset, it is
 * open. The key's digest prefix (never the key) identifies the client for the rate limit and logs.
 */
export function requireKey(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const source = c.env?.API_KEYS?.trim();
    if (!source) {
      c.var.facts.client = 'ip';
      return next();
    }
    const header = c.req.header('authorization');
    const token = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)?.[1] : undefined;
    if (!token) {
      throw new Problem(
        'unauthorized',
        header
          ? 'the Authorization header is not of the form "Bearer <key>"'
          : 'this API needs a key: send Authorization: Bearer <key> (the API owner gives out keys)',
        { headers: { 'WWW-Authenticate': CHALLENGE } },
      );
    }
    const [keys, sent] = await Promise.all([configuredKeys(source), digest(token)]);
    // Every key is compared, so the time taken does not depend on which one matched.
    let matched = false;
    for (const key of keys) matched = equal(key, sent) || matched;
    if (!matched) {
      throw new Problem('unauthorized', 'the API key is not valid; check it, or ask the API owner for one', {
        headers: { 'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"` },
      });
    }
    c.var.facts.client = `key:${hex(sent)}`;
    await next();
  };
}

/** The period of the `RATE_LIMITER` binding in wrangler.jsonc: the longest a client may have to wait. */
export const RATE_LIMIT_PERIOD_S = 60;

/**
 * Cloudflare's Rate Limiting binding, per API key when keys are on, per client address otherwise.
 * The binding counts per Cloudflare location and is eventually consistent: a guard against abuse and
 * runaway clients, not an exact quota.
 */
export function rateLimit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const limiter = c.env?.RATE_LIMITER;
    if (!limiter) return next();
    const client = c.var.facts.client ?? 'ip';
    const key = client === 'ip' ? `ip:${c.req.header('cf-connecting-ip') ?? 'unknown'}` : client;
    const { success } = await limiter.limit({ key });
    if (!success) {
      throw new Problem(
        'rate-limited',
        `too many requests from this ${client === 'ip' ? 'address' : 'API key'}; wait up to ${RATE_LIMIT_PERIOD_S} s (Retry-After) and slow down`,
        { headers: { 'Retry-After': String(RATE_LIMIT_PERIOD_S) } },
      );
    }
    await next();
  };
}

/**
 * Route middleware: reserves the request's memory (or waits, or is refused) before its body is read.
 * `describe` tells what the request is from its headers and query alone.
 */
export function admit(describe: (c: Context<AppEnv>) => CostedRequest): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = Date.now();
    const release = await c.var.admission.acquire(estimateCost(describe(c)));
    c.var.facts.queueMs = Date.now() - started;
    try {
      await next();
    } finally {
      release();
    }
  };
}

/** What an images- or codes-taking request sends, from its headers. */
export function bodyCost(kind: 'images' | 'codes') {
  return (c: Context<AppEnv>): CostedRequest => {
    const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
    const length = Number(c.req.header('content-length') ?? Number.NaN);
    return {
      kind,
      contentType: type === 'image/png' ? 'png' : 'json',
      ...(Number.isFinite(length) && length >= 0 ? { contentLength: length } : {}),
    };
  };
}

/** The manifold's size and format, from its query (validated later; a bad `n` costs the default). */
export function manifoldCost(c: Context<AppEnv>): CostedRequest {
  const n = Number(c.req.query('n') ?? 15);
  const size = Number.isInteger(n) && n >= 1 && n <= LIMITS.maxManifold ? n : 15;
  return { kind: 'manifold', n: size, json: !wantsPng(c, 'image/png') };
}
