import { decodePng, MODEL_IDS, maxAbsDiff } from '@autoencoders/modelkit';
import { describe, expect, it } from 'vitest';
import { sampleImages, samplePng } from './fixtures.ts';
import { api, call, postJson, postPng, zeros } from './helpers.ts';

const images = sampleImages();
const one = [Array.from(images.subarray(0, 784))];

describe('GET /v1/models', () => {
  it('lists every model with its operations, shapes and metrics', async () => {
    const list = await api.models();
    expect(list.models.map((m) => m.id)).toEqual([...MODEL_IDS]);
    const conv = list.models.find((m) => m.id === 'conv');
    expect(conv?.codeShape).toEqual([4, 4, 8]);
    expect(conv?.operations).toEqual(['reconstruct', 'encode', 'decode']);
    expect(conv?.links.reconstruct).toBe('/v1/models/conv/reconstruct');
    expect(conv?.files.find((f) => f.role === 'encoder')?.outputs[0]?.shape).toEqual(['batch', 4, 4, 8]);
    expect(list.models.find((m) => m.id === 'vae')?.links.manifold).toBe('/v1/models/vae/manifold?n=15');
    expect(list.models.find((m) => m.id === 'denoise')?.links).toEqual({
      denoise: '/v1/models/denoise/denoise',
    });
    expect(list.models.every((m) => typeof (m.metrics.test as { bce: number }).bce === 'number')).toBe(true);
    expect(list.limits.maxBatch).toBe(64);
  });

  it('serves one model, and answers HEAD', async () => {
    expect((await api.model('vae')).codeShape).toEqual([2]);
    const head = await call('/v1/models', { method: 'HEAD' });
    expect(head.status).toBe(200);
  });
});

describe('POST /v1/models/{id}/reconstruct', () => {
  it('takes JSON images and returns JSON images with Server-Timing', async () => {
    const response = await postJson('/v1/models/simple/reconstruct', { images: one });
    expect(response.status).toBe(200);
    expect(response.headers.get('Server-Timing')).toMatch(/session;dur=[\d.]+.*inference;dur=[\d.]+/);
    const body = (await response.json()) as { model: string; count: number; images: number[][] };
    expect(body.model).toBe('simple');
    expect(body.count).toBe(1);
    expect(body.images[0]).toHaveLength(784);
    expect(body.images[0]?.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('serves every model that reconstructs, batches included', async () => {
    for (const id of ['simple', 'sparse', 'deep', 'conv', 'seq2seq', 'vae']) {
      const result = await api.reconstruct(id, images);
      expect(result.images, id).toHaveLength(3);
      expect(result.inferenceMs, id).toBeGreaterThanOrEqual(0);
    }
  });

  it('takes a PNG upload and returns a PNG row', async () => {
    const response = await postPng('/v1/models/conv/reconstruct', samplePng(), { Accept: 'image/png' });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('image/png');
    const png = decodePng(new Uint8Array(await response.arrayBuffer()));
    expect([png.width, png.height]).toEqual([28, 28]);
  });

  it('returns a row of all the batch as PNG', async () => {
    const result = await api.reconstruct('deep', images, { as: 'png' });
    const png = decodePng(result.png);
    expect([png.width, png.height]).toEqual([3 * 28 + 2 * 2, 28]);
  });
});

describe('POST /v1/models/{id}/encode', () => {
  it("gives conv's 4×4×8 codes flat with their shape", async () => {
    const result = await api.encode('conv', images);
    expect(result.codeShape).toEqual([4, 4, 8]);
    expect(result.codes).toHaveLength(3);
    expect(result.codes[0]).toHaveLength(128);
    expect(result.zLogVar).toBeUndefined();
  });

  it("gives the VAE's z_mean and z_log_var", async () => {
    const result = await api.encode('vae', { png: samplePng() });
    expect(result.codeShape).toEqual([2]);
    expect(result.codes[0]).toHaveLength(2);
    expect(result.zLogVar?.[0]).toHaveLength(2);
  });

  it('draws codes as a PNG', async () => {
    const png = decodePng((await api.encode('simple', images, { as: 'png' })).png);
    // 32 values as 4×8 blocks in one row.
    expect([png.width, png.height]).toEqual([3 * 8 + 2 * 2, 4]);
  });
});

describe('POST /v1/models/{id}/decode', () => {
  it('turns codes into images', async () => {
    const result = await api.decode('simple', [Array.from({ length: 32 }, (_, i) => i % 3)]);
    expect(result.images[0]).toHaveLength(784);
  });

  it('turns VAE latent points into images, as a PNG too', async () => {
    const result = await api.decode('vae', [
      [0, 0],
      [1, -1],
    ]);
    expect(result.images).toHaveLength(2);
    const png = decodePng((await api.decode('vae', [[0, 0]], { as: 'png' })).png);
    expect(png.width).toBe(28);
  });

  it('gives one digit as a 28×28 PNG that can be uploaded again', async () => {
    const { png } = await api.decode('vae', [[0, 0]], { as: 'png' });
    expect(decodePng(png).width).toBe(28);
    expect((await api.reconstruct('simple', { png })).images[0]).toHaveLength(784);
  });

  it("decodes conv's flat 128-value codes", async () => {
    const { codes } = await api.encode('conv', images);
    expect((await api.decode('conv', codes)).images).toHaveLength(3);
  });
});

describe('POST /v1/models/denoise/denoise', () => {
  it('denoises JSON images', async () => {
    const result = await api.denoise(images);
    expect(result.model).toBe('denoise');
    expect(result.images).toHaveLength(3);
    expect(result.noisy).toBeUndefined();
  });

  it('corrupts first when asked, returning the noisy inputs too', async () => {
    const result = await api.denoise(images, { noise: 0.5, seed: 1 });
    expect(result.noisy).toHaveLength(3);
    expect(result.noisy?.[0]).not.toEqual(images.subarray(0, 784));
    const again = await api.denoise(images, { noise: 0.5, seed: 1 });
    expect(again.noisy).toEqual(result.noisy);
  });

  it('returns noisy over denoised as a two-row PNG', async () => {
    const response = await postPng('/v1/models/denoise/denoise?noise=0.5', samplePng(), {
      Accept: 'image/png',
    });
    const png = decodePng(new Uint8Array(await response.arrayBuffer()));
    expect([png.width, png.height]).toEqual([28, 2 * 28 + 2]);
  });

  it("answers the same at the first release's URL, POST /v1/denoise (deprecated)", async () => {
    const body = { images: [Array.from(images.subarray(0, 784))] };
    const [now, before] = await Promise.all(
      ['/v1/models/denoise/denoise?noise=0.5&seed=3', '/v1/denoise?noise=0.5&seed=3'].map((path) =>
        postJson(path, body).then((response) => response.json()),
      ),
    );
    expect(before).toEqual(now);
    const doc = (await api.openapi()) as { paths: Record<string, { post?: { deprecated?: boolean } }> };
    expect(doc.paths['/v1/denoise']?.post?.deprecated).toBe(true);
    expect(doc.paths['/v1/models/{id}/denoise']?.post?.deprecated).toBeUndefined();
  });
});

describe('POST /v1/models/seq2seq/decode', () => {
  it("decodes the LSTM's codes into what reconstruct gives", async () => {
    const one = images.subarray(0, 784);
    const { codes } = await api.encode('seq2seq', one);
    const decoded = await api.decode('seq2seq', codes);
    const reconstructed = await api.reconstruct('seq2seq', one);
    expect(maxAbsDiff(decoded.images[0] ?? [], reconstructed.images[0] ?? [])).toBeLessThan(1e-5);
  });
});

describe('GET /v1/models/vae/manifold', () => {
  it('is a PNG of n×n digits by default', async () => {
    const response = await call('/v1/models/vae/manifold');
    expect(response.headers.get('Content-Type')).toBe('image/png');
    const png = decodePng(new Uint8Array(await response.arrayBuffer()));
    expect([png.width, png.height]).toEqual([15 * 28, 15 * 28]);
    expect(decodePng((await api.manifold(4)).png).width).toBe(4 * 28);
  });

  it('is JSON with points when asked', async () => {
    const result = await api.manifold(3, { as: 'json' });
    expect(result.points).toHaveLength(9);
    expect(result.images).toHaveLength(9);
    // Top-left is the low-x, high-z₂ corner, as in the post's figure.
    expect(result.points[0]?.[0]).toBeLessThan(0);
    expect(result.points[0]?.[1]).toBeGreaterThan(0);
  });
});

describe('service routes', () => {
  it('/healthz reports every file intact', async () => {
    const health = await api.health();
    expect(health.status).toBe('ok');
    expect(health.files).toHaveLength(13);
    // Opened and run once at start-up: no request pays for a session.
    expect(health.files.every((f) => f.status === 'ok' && f.sessionOpen)).toBe(true);
  });

  it('/openapi.json documents every route', async () => {
    const doc = (await api.openapi()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/healthz',
        '/v1/denoise',
        '/v1/models',
        '/v1/models/{id}/denoise',
        '/v1/models/{id}',
        '/v1/models/{id}/decode',
        '/v1/models/{id}/encode',
        '/v1/models/{id}/manifold',
        '/v1/models/{id}/reconstruct',
      ].sort(),
    );
    const reconstruct = doc.paths['/v1/models/{id}/reconstruct']?.post as {
      requestBody: { content: Record<string, unknown> };
      responses: Record<string, unknown>;
    };
    expect(Object.keys(reconstruct.requestBody.content)).toEqual(['application/json', 'image/png']);
    expect(Object.keys(reconstruct.responses)).toEqual(expect.arrayContaining(['200', '413', '415', '422']));
  });
});

describe('CORS', () => {
  it('answers preflight requests and exposes Server-Timing', async () => {
    const response = await call('/v1/models/simple/reconstruct', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://demo.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(response.headers.get('Access-Control-Allow-Methods')).toContain('POST');
    const post = await postJson(
      '/v1/models/simple/reconstruct',
      { images: [zeros()] },
      { Origin: 'https://x.example' },
    );
    expect(post.headers.get('Access-Control-Expose-Headers')).toContain('Server-Timing');
    expect(post.headers.get('Timing-Allow-Origin')).toBe('*');
  });

  it('allows only the configured origins when CORS_ORIGINS lists some', async () => {
    const { default: worker } = await import('../src/index.ts');
    const env = { CORS_ORIGINS: 'https://demo.example, https://other.example' };
    const ask = (origin: string) =>
      worker.fetch(new Request('http://edge.test/v1/models', { headers: { Origin: origin } }), env);
    expect((await ask('https://demo.example')).headers.get('Access-Control-Allow-Origin')).toBe(
      'https://demo.example',
    );
    expect((await ask('https://evil.example')).headers.get('Access-Control-Allow-Origin')).toBeNull();
  });
});
