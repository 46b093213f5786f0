/**
 * Inputs an attacker would send: each is refused with the right problem, promptly, and nothing the
 * isolate holds for other requests is lost.
 */
import { decodePng, ModelRunner } from '@autoencoders/modelkit';
import { describe, expect, inject, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { manifest, modelFiles } from '../src/models.ts';
import { workerdOrt } from '../src/ort-workerd.ts';
import { call, expectProblem, postJson, postPng, zeros } from './helpers.ts';

const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

describe('ids that name Object.prototype members', () => {
  it.each(PROTOTYPE_NAMES)('%s is an unknown model on every route', async (id) => {
    const json = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' };
    for (const [path, init] of [
      [`/v1/models/${id}`, {}],
      [`/v1/models/${id}/reconstruct`, json],
      [`/v1/models/${id}/encode`, json],
      [`/v1/models/${id}/decode`, json],
      [`/v1/models/${id}/manifold`, {}],
    ] as const) {
      const problem = await expectProblem(await call(path, init), 404, 'unknown-model');
      expect(problem.detail).toContain(`unknown model '${id}'`);
    }
  });

  it.each(PROTOTYPE_NAMES)('/problems/%s is not a problem type', async (slug) => {
    await expectProblem(await call(`/problems/${slug}`), 404, 'not-found');
  });
});

describe('PNG decompression bombs', () => {
  const bytes = (base64: string) => Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
  const { idat, iccp } = inject('bombs');

  it('image data that inflates past its header is refused at once, not inflated', async () => {
    const bomb = bytes(idat);
    expect(bomb.length).toBeLessThan(300 * 1024); // 256 MiB once inflated
    const started = Date.now();
    const problem = await expectProblem(
      await postPng('/v1/models/simple/reconstruct', bomb),
      422,
      'undecodable-image',
    );
    expect(problem.detail).toContain('decompression bomb');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a compressed ICC profile is skipped without inflating it, and the image still served', async () => {
    const response = await postPng('/v1/models/simple/reconstruct', bytes(iccp), { Accept: 'image/png' });
    expect(response.status).toBe(200);
    const out = decodePng(new Uint8Array(await response.arrayBuffer()));
    expect([out.width, out.height]).toEqual([28, 28]);
  });
});

describe('outputs that would not be finite', () => {
  it('a VAE latent point at ±1e308 is refused, naming the code', async () => {
    const problem = await expectProblem(
      await postJson('/v1/models/vae/decode', {
        codes: [
          [0, 0],
          [1e308, -1e308],
        ],
      }),
      422,
      'non-finite-output',
    );
    expect(problem.detail).toContain('codes[1]');
  });

  it('so is a conv code of huge values', async () => {
    const code = Array.from({ length: 128 }, (_, i) => (i % 2 ? 1e308 : -1e308));
    await expectProblem(
      await postJson('/v1/models/conv/decode', { codes: [code] }),
      422,
      'non-finite-output',
    );
  });

  it('while large but sane codes still decode', async () => {
    const response = await postJson('/v1/models/vae/decode', { codes: [[40, -40]] });
    expect(response.status).toBe(200);
  });
});

/** A body that sends `first` and then nothing, or fails, as a stalled or broken client would. */
function stream(first: Uint8Array, then: 'stall' | 'error' | 'end'): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(first);
        return;
      }
      if (then === 'error') controller.error(new Error('connection reset by peer'));
      else if (then === 'end') controller.close();
      // 'stall': never enqueue again.
      return then === 'stall' ? new Promise(() => undefined) : undefined;
    },
  });
}

function app(options: Parameters<typeof createApp>[1] = {}) {
  const runner = new ModelRunner({
    manifest,
    ort: workerdOrt,
    getFile: (file) => new Uint8Array(modelFiles[file.path] as ArrayBuffer),
  });
  const a = createApp(runner, options);
  return (path: string, init: RequestInit) => a.request(path, init, {});
}

const partialJson = new TextEncoder().encode('{"images":[[0,0,0');

describe('bodies that are too large, stall or break', () => {
  it('a Content-Length over the limit is refused before anything is read', async () => {
    // The body never ends: only refusing from the header can answer.
    const response = await call('/v1/models/simple/reconstruct', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': '5000000' },
      body: stream(partialJson, 'stall'),
      // @ts-expect-error workerd's RequestInit takes duplex for streamed bodies
      duplex: 'half',
    });
    const problem = await expectProblem(response, 413, 'payload-too-large');
    expect(problem.detail).toContain('1048576 bytes');
  });

  it('a body that stops arriving is cut off with 408', async () => {
    const fetch = app({ bodyTimeouts: { idleMs: 150, totalMs: 5000 } });
    const started = Date.now();
    const response = await fetch('/v1/models/simple/reconstruct', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: stream(partialJson, 'stall'),
      // @ts-expect-error as above
      duplex: 'half',
    });
    const problem = await expectProblem(response, 408, 'request-timeout');
    expect(problem.detail).toContain(`${partialJson.length} bytes in`);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('a body that breaks mid-way (bad chunked framing, a dropped client) is a 400, not a 500', async () => {
    const response = await app()('/v1/models/simple/reconstruct', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: stream(partialJson, 'error'),
      // @ts-expect-error as above
      duplex: 'half',
    });
    const problem = await expectProblem(response, 400, 'malformed-body');
    expect(problem.detail).toContain('could not be read');
  });
});

describe('admission: more concurrent work than the isolate may hold', () => {
  const json = (body: BodyInit, length?: number): RequestInit => ({
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(length === undefined ? {} : { 'Content-Length': String(length) }),
    },
    body,
    // @ts-expect-error as above
    duplex: 'half',
  });

  it('answers 503 with Retry-After when the queue is full, and serves again once there is room', async () => {
    // Room for one request of an unknown length (the most a JSON body may be), none waiting.
    const fetch = app({
      admission: { budget: 10 * 1024 * 1024, maxQueue: 0, maxWaitMs: 0 },
      bodyTimeouts: { idleMs: 300, totalMs: 5000 },
    });
    // The first holds its reservation while its body stalls.
    const first = fetch('/v1/models/simple/reconstruct', json(stream(partialJson, 'stall')));
    await new Promise((r) => setTimeout(r, 50));
    const second = await fetch('/v1/models/simple/reconstruct', json(JSON.stringify({ images: [zeros()] })));
    expect(second.headers.get('Retry-After')).toBe('1');
    const problem = await expectProblem(second, 503, 'overloaded');
    expect(problem.detail).toContain('the queue is full');
    // The stalled one times out and gives its room back.
    expect((await first).status).toBe(408);
    const third = await fetch('/v1/models/simple/reconstruct', json(JSON.stringify({ images: [zeros()] })));
    expect(third.status).toBe(200);
  });

  it('queues a request while there is no room, and refuses it after the longest wait', async () => {
    const fetch = app({
      admission: { budget: 10 * 1024 * 1024, maxQueue: 4, maxWaitMs: 100 },
      bodyTimeouts: { idleMs: 1000, totalMs: 5000 },
    });
    const first = fetch('/v1/models/simple/reconstruct', json(stream(partialJson, 'stall')));
    await new Promise((r) => setTimeout(r, 50));
    const waited = await fetch('/v1/models/simple/reconstruct', json(JSON.stringify({ images: [zeros()] })));
    const problem = await expectProblem(waited, 503, 'overloaded');
    expect(problem.detail).toContain('no room within 100 ms');
    expect((await first).status).toBe(408);
  });

  it('lets small requests share the room a large one would take alone', async () => {
    const fetch = app({ admission: { budget: 2 * 1024 * 1024, maxQueue: 0, maxWaitMs: 0 } });
    const small = JSON.stringify({ images: [zeros()] });
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => fetch('/v1/models/simple/reconstruct', json(small, small.length))),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
  });
});
