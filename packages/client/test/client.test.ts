import { describe, expect, it } from 'vitest';
import { ApiError, createClient, serverTimings } from '../src/index.ts';

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  body: string | Uint8Array | null;
}

/** A fetch that records the request and answers with `respond`. */
function fakeFetch(respond: (seen: Seen) => Response) {
  const seen: Seen[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    const type = request.headers.get('Content-Type') ?? '';
    const raw = request.body ? new Uint8Array(await request.arrayBuffer()) : null;
    const body = raw && type.includes('json') ? new TextDecoder().decode(raw) : raw;
    const entry = { url: request.url, method: request.method, headers: request.headers, body };
    seen.push(entry);
    return respond(entry);
  };
  return { fetch, seen };
}

const json = (body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json', ...headers } });

describe('createClient', () => {
  it('posts images as JSON rows and returns Float32Arrays with the server timings', async () => {
    const { fetch, seen } = fakeFetch(() =>
      json(
        { model: 'simple', count: 2, images: [[0.5], [0.25]] },
        { 'Server-Timing': 'session;dur=0.00;desc="x", inference;dur=1.25;desc="onnxruntime-web"' },
      ),
    );
    const api = createClient('http://api.test/', { fetch });
    const result = await api.reconstruct('simple', new Float32Array(784 * 2).fill(1));
    expect(seen[0]?.url).toBe('http://api.test/v1/models/simple/reconstruct');
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.headers.get('Accept')).toBe('application/json');
    const sent = JSON.parse(seen[0]?.body as string) as { images: number[][] };
    expect(sent.images).toHaveLength(2);
    expect(sent.images[1]).toHaveLength(784);
    expect(result.images[1]).toEqual(new Float32Array([0.25]));
    expect(result.inferenceMs).toBe(1.25);
    expect(result.sessionMs).toBe(0);
  });

  it('uploads a PNG as the raw body and can ask for a PNG back', async () => {
    const png = new Uint8Array([137, 80, 78, 71]);
    const { fetch, seen } = fakeFetch(
      () => new Response(new Uint8Array([1, 2, 3]), { headers: { 'Content-Type': 'image/png' } }),
    );
    const api = createClient('http://api.test', { fetch });
    const result = await api.denoise({ png }, { as: 'png', noise: 0.5, seed: 2 });
    expect(seen[0]?.url).toBe('http://api.test/v1/models/denoise/denoise?noise=0.5&seed=2');
    expect(seen[0]?.headers.get('Content-Type')).toBe('image/png');
    expect(seen[0]?.headers.get('Accept')).toBe('image/png');
    expect(seen[0]?.body).toEqual(png);
    expect(result.png).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('sends codes for decode and reads encode results', async () => {
    const { fetch, seen } = fakeFetch((s) =>
      s.url.endsWith('/encode')
        ? json({ model: 'vae', count: 1, codeShape: [2], codes: [[1, 2]], zLogVar: [[0, 0]] })
        : json({ model: 'vae', count: 1, images: [[0]] }),
    );
    const api = createClient('http://api.test', { fetch });
    const encoded = await api.encode('vae', [new Float32Array(784)]);
    expect(encoded.codes[0]).toEqual(new Float32Array([1, 2]));
    expect(encoded.zLogVar?.[0]).toEqual(new Float32Array([0, 0]));
    await api.decode('vae', encoded.codes);
    expect(JSON.parse(seen[1]?.body as string)).toEqual({ codes: [[1, 2]] });
  });

  it('asks for the manifold as a PNG by default, JSON on request', async () => {
    const { fetch, seen } = fakeFetch((s) =>
      s.headers.get('Accept') === 'image/png'
        ? new Response(new Uint8Array([9]))
        : json({ model: 'vae', n: 1, points: [[0, 0]], images: [[0]] }),
    );
    const api = createClient('http://api.test', { fetch });
    expect((await api.manifold()).png).toEqual(new Uint8Array([9]));
    expect((await api.manifold(1, { as: 'json' })).points).toEqual([[0, 0]]);
    expect(seen.map((s) => s.url)).toEqual([
      'http://api.test/v1/models/vae/manifold?n=15',
      'http://api.test/v1/models/vae/manifold?n=1',
    ]);
  });

  it('throws ApiError carrying the problem details', async () => {
    const problem = {
      type: '/problems/vector-length',
      title: 'Wrong number of values',
      status: 422,
      detail: 'images[0] must hold 784 values',
    };
    const { fetch } = fakeFetch(
      () =>
        new Response(JSON.stringify(problem), {
          status: 422,
          headers: { 'Content-Type': 'application/problem+json' },
        }),
    );
    const error = await createClient('http://api.test', { fetch })
      .reconstruct('simple', [[0]])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).problem).toEqual(problem);
    expect((error as ApiError).kind).toBe('vector-length');
    expect((error as ApiError).message).toBe('422 Wrong number of values: images[0] must hold 784 values');
  });

  it('describes an error response that is not problem JSON', async () => {
    const { fetch } = fakeFetch(
      () => new Response('Bad gateway', { status: 502, statusText: 'Bad Gateway' }),
    );
    const error = (await createClient('http://api.test', { fetch })
      .models()
      .catch((e: unknown) => e)) as ApiError;
    expect(error.problem).toEqual({
      type: 'about:blank',
      title: 'Bad Gateway',
      status: 502,
      detail: 'Bad gateway',
    });
  });

  it('returns a degraded health report rather than throwing', async () => {
    const { fetch } = fakeFetch(
      () => new Response(JSON.stringify({ status: 'degraded', files: [] }), { status: 503 }),
    );
    expect((await createClient('http://api.test', { fetch }).health()).status).toBe('degraded');
  });
});

describe('options', () => {
  it("sends the API key as a Bearer token, and extra headers under the client's own", async () => {
    const { fetch, seen } = fakeFetch(() => json({ models: [] }));
    const api = createClient('http://api.test', {
      fetch,
      apiKey: 'k-123',
      headers: { 'X-Trace': 'abc', Accept: 'text/plain' },
    });
    await api.models();
    expect(seen[0]?.headers.get('Authorization')).toBe('Bearer k-123');
    expect(seen[0]?.headers.get('X-Trace')).toBe('abc');
    expect(seen[0]?.headers.get('Accept')).toBe('application/json');
  });

  it('URL-encodes model ids', async () => {
    const { fetch, seen } = fakeFetch(() => json({}));
    await createClient('http://api.test', { fetch }).model('a/b c');
    expect(seen[0]?.url).toBe('http://api.test/v1/models/a%2Fb%20c');
  });

  it('throws ApiError for a 503 problem from /healthz, which is a refusal rather than a report', async () => {
    const { fetch } = fakeFetch(
      () =>
        new Response(
          JSON.stringify({ type: '/problems/overloaded', title: 'Busy', status: 503, detail: 'x' }),
          {
            status: 503,
            headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '2' },
          },
        ),
    );
    const error = (await createClient('http://api.test', { fetch })
      .health()
      .catch((e: unknown) => e)) as ApiError;
    expect(error.kind).toBe('overloaded');
    expect(error.retryAfter).toBe(2);
  });
});

const problem = (status: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ type: '/problems/x', title: 'Later', status, detail: 'try again later' }), {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  });

describe('retry', () => {
  it('is off by default', async () => {
    const { fetch, seen } = fakeFetch(() => problem(429, { 'Retry-After': '0' }));
    const error = await createClient('http://api.test', { fetch })
      .models()
      .catch((e: unknown) => e);
    expect((error as ApiError).status).toBe(429);
    expect(seen).toHaveLength(1);
  });

  it('retries 429 and 503 as Retry-After says, sending the same body again', async () => {
    const answers = [problem(429, { 'Retry-After': '0' }), problem(503, { 'Retry-After': '0' })];
    const { fetch, seen } = fakeFetch(
      () => answers.shift() ?? json({ model: 'simple', count: 1, images: [[0.5]] }),
    );
    const api = createClient('http://api.test', { fetch, retry: true });
    const result = await api.reconstruct('simple', { png: new Uint8Array([137, 80, 78, 71]) });
    expect(result.images[0]).toEqual(new Float32Array([0.5]));
    expect(seen).toHaveLength(3);
    expect(seen.map((s) => s.body)).toEqual(Array(3).fill(new Uint8Array([137, 80, 78, 71])));
  });

  it('backs off without Retry-After, and stops after `retries` more attempts', async () => {
    const { fetch, seen } = fakeFetch(
      () => new Response('Your worker restarted mid-request', { status: 503 }),
    );
    const started = Date.now();
    const error = await createClient('http://api.test', { fetch, retry: { retries: 3, baseDelayMs: 10 } })
      .models()
      .catch((e: unknown) => e);
    expect((error as ApiError).status).toBe(503);
    expect(seen).toHaveLength(4);
    // 10 + 20 + 40 ms of waiting.
    expect(Date.now() - started).toBeGreaterThanOrEqual(65);
  });

  it('gives up at once when Retry-After asks for longer than maxDelayMs', async () => {
    const { fetch, seen } = fakeFetch(() => problem(429, { 'Retry-After': '120' }));
    const error = (await createClient('http://api.test', { fetch, retry: { maxDelayMs: 5_000 } })
      .models()
      .catch((e: unknown) => e)) as ApiError;
    expect(seen).toHaveLength(1);
    expect(error.retryAfter).toBe(120);
  });

  it('reads Retry-After as an HTTP date', async () => {
    const when = new Date(Date.now() + 60_000).toUTCString();
    const { fetch, seen } = fakeFetch(() => problem(429, { 'Retry-After': when }));
    const error = (await createClient('http://api.test', { fetch, retry: { maxDelayMs: 1_000 } })
      .models()
      .catch((e: unknown) => e)) as ApiError;
    expect(seen).toHaveLength(1);
    expect(error.retryAfter).toBeGreaterThan(55);
  });

  it('does not retry other errors, nor a degraded health report', async () => {
    const { fetch, seen } = fakeFetch((s) =>
      s.url.endsWith('/healthz')
        ? new Response(JSON.stringify({ status: 'degraded', files: [] }), {
            status: 503,
            headers: { 'Content-Type': 'application/json' },
          })
        : problem(422),
    );
    const api = createClient('http://api.test', { fetch, retry: { baseDelayMs: 1 } });
    expect((await api.health()).status).toBe('degraded');
    await api.decode('vae', [[0, 0]]).catch(() => undefined);
    expect(seen).toHaveLength(2);
  });

  it('stops waiting when the request is aborted', async () => {
    const { fetch, seen } = fakeFetch(() => problem(503, { 'Retry-After': '5' }));
    const controller = new AbortController();
    const pending = createClient('http://api.test', { fetch, retry: true })
      .models({ signal: controller.signal })
      .catch((e: unknown) => e);
    setTimeout(() => controller.abort(new Error('user gave up')), 20);
    expect(((await pending) as Error).message).toBe('user gave up');
    expect(seen).toHaveLength(1);
  });

  it('rejects nonsensical settings', () => {
    expect(() => createClient('http://api.test', { retry: { retries: -1 } })).toThrow(RangeError);
  });
});

describe('serverTimings', () => {
  it('ignores what it does not know', () => {
    const response = new Response(null, {
      headers: { 'Server-Timing': 'cache;desc=hit, inference;dur=abc, db;dur=3' },
    });
    expect(serverTimings(response)).toEqual({});
  });
});
