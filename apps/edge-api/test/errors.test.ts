import { ApiError } from '@autoencoders/client';
import { encodePng } from '@autoencoders/modelkit';
import { describe, expect, it } from 'vitest';
import { samplePng } from './fixtures.ts';
import { api, call, expectProblem, postJson, postPng, zeros } from './helpers.ts';

const R = '/v1/models/simple/reconstruct';

describe('unknown model or operation (404)', () => {
  it.each([
    ['POST', '/v1/models/nope/reconstruct'],
    ['POST', '/v1/models/nope/encode'],
    ['POST', '/v1/models/nope/decode'],
    ['GET', '/v1/models/nope/manifold'],
    ['GET', '/v1/models/nope'],
  ])('%s %s names the models there are', async (method, path) => {
    const init =
      method === 'POST' ? { method, headers: { 'Content-Type': 'application/json' }, body: '{}' } : {};
    const problem = await expectProblem(await call(path, init), 404, 'unknown-model');
    expect(problem.detail).toContain("unknown model 'nope'");
    expect(problem.detail).toContain('simple, sparse, deep, conv, denoise, seq2seq, vae');
  });

  it.each([
    ['/v1/models/simple/denoise', 'reconstruct, encode, decode'],
    ['/v1/models/denoise/reconstruct', 'use POST /v1/models/denoise/denoise'],
    ['/v1/models/denoise/encode', 'use POST /v1/models/denoise/denoise'],
  ])('%s says what the model serves', async (path, hint) => {
    // Refused before the body is looked at: the URL is the first thing to fix.
    const problem = await expectProblem(await postJson(path, 'not json'), 404, 'unsupported-operation');
    expect(problem.detail).toContain(hint);
  });

  it('manifold only on the VAE', async () => {
    await expectProblem(await call('/v1/models/simple/manifold'), 404, 'unsupported-operation');
  });
});

describe('malformed JSON (400)', () => {
  it.each([
    ['truncated', '{"images": [[0, 0'],
    ['NaN literal', '{"images": [[NaN]]}'],
    ['trailing comma', '{"images": [[0,],]}'],
    ['empty body', ''],
  ])('%s', async (_, body) => {
    const problem = await expectProblem(await postJson(R, body), 400, 'malformed-json');
    if (body.includes('NaN')) expect(problem.detail).toContain('NaN and Infinity are not JSON');
    if (body === '') expect(problem.detail).toContain('empty');
  });
});

describe('invalid values (422)', () => {
  const withValue = (v: unknown) => ({ images: [[v, ...zeros(783)]] });

  it.each([
    ['Infinity (1e999 parses to it)', '{"images":[[1e999]]}', 'images[0][0] must be a number'],
    ['negative', JSON.stringify(withValue(-0.1)), 'images[0][0] is below 0'],
    ['above 1', JSON.stringify(withValue(255)), 'divide 8-bit values by 255'],
    ['a string', JSON.stringify(withValue('0.5')), 'must be a number'],
    ['null', JSON.stringify(withValue(null)), 'must be a number'],
  ])('%s', async (_, body, detail) => {
    const problem = await expectProblem(await postJson(R, body), 422, 'invalid-value');
    expect(problem.detail).toContain(detail);
  });

  it('lists up to ten bad values as JSON pointers', async () => {
    const body = { images: [Array.from({ length: 784 }, () => 2)] };
    const problem = (await (await postJson(R, body)).json()) as { errors: { pointer: string }[] };
    expect(problem.errors).toHaveLength(10);
    expect(problem.errors[0]?.pointer).toBe('/images/0/0');
  });

  it('non-finite codes', async () => {
    await expectProblem(
      await postJson('/v1/models/vae/decode', '{"codes":[[1e999, 0]]}'),
      422,
      'invalid-value',
    );
  });
});

describe('wrong vector length (422)', () => {
  it('an image of 783 values', async () => {
    const problem = await expectProblem(
      await postJson(R, { images: [zeros(), zeros(783)] }),
      422,
      'vector-length',
    );
    expect(problem.detail).toBe('images[1] must hold 784 values (28×28, row by row)');
  });

  it('a code of the wrong size for the model', async () => {
    const problem = await expectProblem(
      await postJson('/v1/models/conv/decode', { codes: [zeros(32)] }),
      422,
      'vector-length',
    );
    expect(problem.detail).toContain('codes[0] has 32 values');
    expect(problem.detail).toContain('128');
  });

  it('images that are not arrays', async () => {
    await expectProblem(await postJson(R, { images: [0.5] }), 422, 'invalid-request');
    await expectProblem(await postJson(R, { images: 'x' }), 422, 'invalid-request');
    await expectProblem(await postJson(R, {}), 422, 'invalid-request');
    await expectProblem(await postJson(R, [1, 2]), 422, 'invalid-request');
  });
});

describe('batch size (422)', () => {
  it('empty', async () => {
    const problem = await expectProblem(await postJson(R, { images: [] }), 422, 'batch-size');
    expect(problem.detail).toContain('send between 1 and 64');
  });

  it('over 64', async () => {
    const problem = await expectProblem(
      await postJson(R, { images: Array.from({ length: 65 }, () => zeros()) }),
      422,
      'batch-size',
    );
    expect(problem.detail).toContain('split the batch');
    await expectProblem(
      await postJson('/v1/models/vae/decode', { codes: Array.from({ length: 65 }, () => [0, 0]) }),
      422,
      'batch-size',
    );
  });

  it('64 images at full precision fit the JSON limit', async () => {
    const images = Array.from({ length: 64 }, (_, i) =>
      Array.from({ length: 784 }, (_, j) => ((i * 784 + j) % 997) / 997),
    );
    const response = await postJson(R, { images });
    expect(response.status).toBe(200);
  });
});

describe('body too large (413)', () => {
  it('JSON over 1 MiB, by Content-Length', async () => {
    const body = `{"images":[[${'0,'.repeat(600_000)}0]]}`;
    const problem = await expectProblem(await postJson(R, body), 413, 'payload-too-large');
    expect(problem.detail).toContain('1 MiB');
  });

  it('JSON over 1 MiB, streamed without a length', async () => {
    const chunk = new TextEncoder().encode('0,'.repeat(100_000));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 10) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await call(R, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: stream,
    });
    await expectProblem(response, 413, 'payload-too-large');
  });

  it('PNG over 4 MiB', async () => {
    const big = new Uint8Array(4 * 1024 * 1024 + 1);
    big.set(samplePng());
    await expectProblem(await postPng(R, big), 413, 'payload-too-large');
  });
});

describe('content type (415)', () => {
  it.each([
    ['text/plain', 'x'],
    ['image/jpeg', '\xff\xd8\xff'],
    ['multipart/form-data; boundary=x', '--x--'],
  ])('%s', async (type, body) => {
    const response = await call(R, { method: 'POST', headers: { 'Content-Type': type }, body });
    const problem = await expectProblem(response, 415, 'unsupported-media-type');
    expect(problem.detail).toContain('send application/json or image/png');
  });

  it('missing', async () => {
    const response = await call(R, { method: 'POST', body: new Uint8Array([1, 2, 3]) });
    const problem = await expectProblem(response, 415, 'unsupported-media-type');
    expect(problem.detail).toContain('no Content-Type');
  });

  it('a PNG sent to decode, which takes codes', async () => {
    const problem = await expectProblem(
      await postPng('/v1/models/vae/decode', samplePng()),
      415,
      'unsupported-media-type',
    );
    expect(problem.detail).toContain('send application/json');
  });
});

describe('undecodable image (422)', () => {
  it.each([
    ['garbage', new TextEncoder().encode('hello, not a picture'), 'not a PNG'],
    ['a JPEG', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), 'looks like a JPEG'],
    ['a truncated PNG', samplePng().subarray(0, 60), 'PNG'],
    ['an empty body', new Uint8Array(0), 'empty'],
  ])('%s', async (_, bytes, detail) => {
    const problem = await expectProblem(await postPng(R, bytes), 422, 'undecodable-image');
    expect(problem.detail).toContain(detail);
  });

  it('a PNG over the pixel limit, refused from its header', async () => {
    const png = encodePng({ width: 4096, height: 1025, data: new Float32Array(4096 * 1025) });
    const problem = await expectProblem(await postPng(R, png), 422, 'undecodable-image');
    expect(problem.detail).toContain('too large');
  });
});

describe('query parameters (422)', () => {
  it.each(['n=0', 'n=31', 'n=abc', 'n=2.5'])('manifold %s', async (query) => {
    const problem = await expectProblem(
      await call(`/v1/models/vae/manifold?${query}`),
      422,
      'invalid-request',
    );
    expect(problem.detail).toMatch(/^query parameter n /);
  });

  it('denoise noise=2', async () => {
    await expectProblem(await postJson('/v1/denoise?noise=2', { images: [zeros()] }), 422, 'invalid-request');
  });
});

describe('routing', () => {
  it('unknown route (404)', async () => {
    const problem = await expectProblem(await call('/v2/models'), 404, 'not-found');
    expect(problem.detail).toContain('/docs');
    await expectProblem(await call('/problems/%0d%0aSet-Cookie:%20x'), 404, 'not-found');
  });

  it.each([
    ['DELETE', '/v1/models', 'GET, HEAD'],
    ['GET', R, 'POST'],
    ['PUT', '/v1/denoise', 'POST'],
    ['POST', '/healthz', 'GET, HEAD'],
  ])('%s %s is 405 with Allow', async (method, path, allow) => {
    const response = await call(path, { method });
    expect(response.headers.get('Allow')).toBe(allow);
    await expectProblem(response, 405, 'method-not-allowed');
  });
});

describe('the client', () => {
  it('throws ApiError with the problem details', async () => {
    const error = await api.reconstruct('nope', new Float32Array(784)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(404);
    expect((error as ApiError).kind).toBe('unknown-model');
    expect((error as ApiError).problem.detail).toContain('nope');
  });
});

describe('never a 500 for client mistakes', () => {
  it.each([
    'null',
    '[]',
    '"images"',
    '{"images": null}',
    '{"images": [[]]}',
    '{"images": [{}]}',
    '{"images": {"0": [0]}}',
    '{"codes": [[0, 0]]}',
    `{"images": [${JSON.stringify(zeros())}], "extra": true}`,
    '{"images": [[0.5e-400]]}',
  ])('%s', async (body) => {
    for (const path of [R, '/v1/models/vae/decode', '/v1/denoise', '/v1/models/conv/encode']) {
      const response = await postJson(path, body);
      expect(response.status, `${path} ${body}`).toBeLessThan(500);
      await response.arrayBuffer();
    }
  });

  it('a PNG with no ink gives a blank input, not an error', async () => {
    const blank = encodePng({ width: 10, height: 10, data: new Float32Array(100) });
    expect((await postPng(R, blank)).status).toBe(200);
  });
});
