/**
 * What an owner switches on and what a client of a deployed API relies on: API keys, the rate limit
 * (Cloudflare's Rate Limiting binding, as workerd runs it), ETags, request ids and the request log.
 */
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../src/index.ts';
import { expectProblem, zeros } from './helpers.ts';

type Bindings = Parameters<typeof worker.fetch>[1];

/** The deployed worker with other bindings, e.g. a secret set or a tighter limiter. */
function deployed(bindings: Record<string, unknown> = {}) {
  const all = { ...env, ...bindings } as Bindings;
  return (path: string, init: RequestInit = {}) =>
    worker.fetch(new Request(`http://edge.test${path}`, init), all, {
      waitUntil: () => undefined,
      passThroughOnException: () => undefined,
      props: {},
    } as unknown as ExecutionContext);
}

const reconstruct = (headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify({ images: [zeros()] }),
});

describe('API keys', () => {
  const keyed = deployed({ API_KEYS: 'alpha-key-1, beta-key-2' });

  it('are off unless API_KEYS is set', async () => {
    expect((await deployed()('/v1/models')).status).toBe(200);
  });

  it('when set, every /v1 route needs Authorization: Bearer <key>', async () => {
    const none = await keyed('/v1/models/simple/reconstruct', reconstruct());
    expect(none.headers.get('WWW-Authenticate')).toBe('Bearer realm="autoencoders"');
    expect((await expectProblem(none, 401, 'unauthorized')).detail).toContain('Authorization: Bearer');
    const wrong = await keyed('/v1/models', { headers: { Authorization: 'Bearer alpha-key-2' } });
    expect(wrong.headers.get('WWW-Authenticate')).toContain('invalid_token');
    await expectProblem(wrong, 401, 'unauthorized');
    await expectProblem(
      await keyed('/v1/models', { headers: { Authorization: 'Basic YWxwaGE6a2V5' } }),
      401,
      'unauthorized',
    );
    for (const key of ['alpha-key-1', 'beta-key-2']) {
      const ok = await keyed(
        '/v1/models/simple/reconstruct',
        reconstruct({ Authorization: `Bearer ${key}` }),
      );
      expect(ok.status, key).toBe(200);
    }
  });

  it('leave /healthz, /openapi.json, /docs and preflight requests open', async () => {
    for (const path of ['/healthz', '/openapi.json', '/docs'])
      expect((await keyed(path)).status, path).toBe(200);
    const preflight = await keyed('/v1/models/simple/reconstruct', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('Access-Control-Allow-Headers')?.toLowerCase()).toContain('authorization');
  });

  it('make cached answers private', async () => {
    const response = await keyed('/v1/models', { headers: { Authorization: 'Bearer alpha-key-1' } });
    expect(response.headers.get('Cache-Control')).toMatch(/^private/);
    expect((await deployed()('/v1/models')).headers.get('Cache-Control')).toMatch(/^public/);
  });
});

describe('rate limit (the RATE_LIMITER binding)', () => {
  // TIGHT_LIMITER is a real Rate Limiting binding of three requests a minute (vitest.config.ts).
  const limited = (bindings: Record<string, unknown> = {}) =>
    deployed({ RATE_LIMITER: env.TIGHT_LIMITER, ...bindings });

  it('answers 429 with Retry-After past the limit, per client address', async () => {
    const fetch = limited();
    const from = (ip: string) => ({ headers: { 'CF-Connecting-IP': ip } });
    for (let i = 0; i < 3; i++) expect((await fetch('/v1/models', from('192.0.2.1'))).status).toBe(200);
    const refused = await fetch('/v1/models', from('192.0.2.1'));
    expect(refused.headers.get('Retry-After')).toBe('60');
    expect((await expectProblem(refused, 429, 'rate-limited')).detail).toContain('this address');
    // Another address has its own count.
    expect((await fetch('/v1/models', from('192.0.2.2'))).status).toBe(200);
    // The limit guards the API, not the health check.
    expect((await fetch('/healthz', from('192.0.2.1'))).status).toBe(200);
  });

  it('counts per API key when keys are on, whatever the address', async () => {
    const fetch = limited({ API_KEYS: 'gamma-key-3,delta-key-4' });
    const as = (key: string, ip: string) => ({
      headers: { Authorization: `Bearer ${key}`, 'CF-Connecting-IP': ip },
    });
    for (let i = 0; i < 3; i++)
      expect((await fetch('/v1/models', as('gamma-key-3', `198.51.100.${i}`))).status).toBe(200);
    const refused = await fetch('/v1/models', as('gamma-key-3', '198.51.100.9'));
    expect((await expectProblem(refused, 429, 'rate-limited')).detail).toContain('this API key');
    expect((await fetch('/v1/models', as('delta-key-4', '198.51.100.9'))).status).toBe(200);
  });
});

describe('ETag and Cache-Control on deterministic GETs', () => {
  const fetch = deployed();

  it.each([
    ['/v1/models', {}],
    ['/v1/models/conv', {}],
    ['/v1/models/vae/manifold?n=4', {}],
    ['/v1/models/vae/manifold?n=4', { Accept: 'application/json' }],
  ])('%s %j: ETag, then 304 for If-None-Match', async (path, headers) => {
    const first = await fetch(path, { headers });
    expect(first.status).toBe(200);
    const etag = first.headers.get('ETag');
    expect(etag).toMatch(/^"[0-9a-f]{16}\.[\w.]+"$/);
    expect(first.headers.get('Cache-Control')).toBe('public, max-age=3600');
    const again = await fetch(path, { headers: { ...headers, 'If-None-Match': etag as string } });
    expect(again.status).toBe(304);
    expect(again.headers.get('ETag')).toBe(etag);
    expect(await again.text()).toBe('');
    // A weak form of the same tag, and a list holding it, match too; another tag does not.
    expect((await fetch(path, { headers: { ...headers, 'If-None-Match': `"x", W/${etag}` } })).status).toBe(
      304,
    );
    expect((await fetch(path, { headers: { ...headers, 'If-None-Match': '"other"' } })).status).toBe(200);
  });

  it('gives each representation its own tag', async () => {
    const tags = await Promise.all(
      [
        ['/v1/models', {}],
        ['/v1/models/conv', {}],
        ['/v1/models/vae', {}],
        ['/v1/models/vae/manifold?n=4', {}],
        ['/v1/models/vae/manifold?n=5', {}],
        ['/v1/models/vae/manifold?n=4', { Accept: 'application/json' }],
      ].map(async ([path, headers]) =>
        (await fetch(path as string, { headers: headers as HeadersInit })).headers.get('ETag'),
      ),
    );
    expect(new Set(tags).size).toBe(tags.length);
  });

  it('serves the manifold PNG from the isolate cache the second time, byte for byte', async () => {
    const a = new Uint8Array(await (await fetch('/v1/models/vae/manifold?n=7')).arrayBuffer());
    const b = new Uint8Array(await (await fetch('/v1/models/vae/manifold?n=7')).arrayBuffer());
    expect(b).toEqual(a);
  });
});

describe('tracing', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('gives every response a request id: cf-ray where Cloudflare sent one, else a new one', async () => {
    const fetch = deployed();
    const a = (await fetch('/v1/models')).headers.get('X-Request-Id');
    const b = (await fetch('/nope')).headers.get('X-Request-Id');
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(b).not.toBe(a);
    expect(
      (await fetch('/v1/models', { headers: { 'cf-ray': '8f1e2d3c4b5a6978-AMS' } })).headers.get(
        'X-Request-Id',
      ),
    ).toBe('8f1e2d3c4b5a6978-AMS');
  });

  it('logs one JSON line per request: route, model, operation, status, batch, timings; no data', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    const fetch = deployed({ REQUEST_LOGS: 'on', API_KEYS: 'epsilon-key-5' });
    const response = await fetch(
      '/v1/models/conv/reconstruct',
      reconstruct({ Authorization: 'Bearer epsilon-key-5' }),
    );
    await fetch('/v1/models/nope/encode', reconstruct({ Authorization: 'Bearer epsilon-key-5' }));
    expect(lines).toHaveLength(2);
    const [ok, refused] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ok).toMatchObject({
      level: 'info',
      requestId: response.headers.get('X-Request-Id'),
      method: 'POST',
      route: '/v1/models/:id/reconstruct',
      status: 200,
      model: 'conv',
      operation: 'reconstruct',
      batch: 1,
    });
    expect(ok?.client).toMatch(/^key:[0-9a-f]{12}$/);
    for (const timing of ['ms', 'queueMs', 'bodyMs', 'inferenceMs'])
      expect(typeof ok?.[timing], timing).toBe('number');
    expect(refused).toMatchObject({ status: 404, problem: 'unknown-model' });
    // Never the pixels, the key or the address.
    expect(lines.join('\n')).not.toContain('epsilon-key-5');
    expect(lines.every((l) => l.length < 600)).toBe(true);
  });
});
