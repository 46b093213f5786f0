/**
 * Bodies in and out: content-type and size checks before anything is parsed, JSON or PNG inputs to
 * flat Float32Arrays, and outputs as JSON or, when the client asks for `image/png`, a picture.
 */
import {
  type Batch,
  encodePng,
  IMAGE_SIZE,
  type Operation,
  pngToMnistInput,
  type TileOptions,
  tile,
} from '@autoencoders/modelkit';
import type { Context, MiddlewareHandler, TypedResponse } from 'hono';
import { accepts } from 'hono/accepts';
import type { AppEnv } from './env.ts';
import { LIMITS } from './limits.ts';
import { Problem } from './problems.ts';

export type BodyKind = 'json' | 'png';

/**
 * Route middleware: an unknown model or an operation it does not serve is refused before the body is
 * read or validated, so that the client learns the URL is wrong before fixing a body for it.
 */
export function serves(operation: Operation): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = c.req.param('id') ?? 'denoise';
    c.var.runner.model(id, operation);
    c.var.facts.model = id;
    c.var.facts.operation = operation;
    await next();
  };
}

const MEDIA_TYPES: Record<BodyKind, string> = { json: 'application/json', png: 'image/png' };

/**
 * Route middleware: refuses a body of another content type (415) or over its size limit (413) before
 * reading it, parses JSON with a message that points at the mistake (400), and keeps PNG bytes for
 * the handler. The parsed JSON goes where Hono's validator looks for it, so it is parsed once.
 */
export function readBody(kinds: readonly BodyKind[]): MiddlewareHandler<AppEnv> {
  const accepted = kinds.map((k) => MEDIA_TYPES[k]).join(' or ');
  return async (c, next) => {
    const header = c.req.header('content-type');
    const type = header?.split(';')[0]?.trim().toLowerCase() ?? '';
    const kind = kinds.find((k) => type === MEDIA_TYPES[k]);
    if (!kind) {
      throw new Problem(
        'unsupported-media-type',
        header
          ? `Content-Type '${type}' is not accepted here; send ${accepted}`
          : `the request has no Content-Type; send ${accepted}`,
      );
    }
    const limit = kind === 'json' ? LIMITS.maxJsonBytes : LIMITS.maxPngBytes;
    const started = Date.now();
    const bytes = await readLimited(c.req.raw, limit, kind, c.var.bodyTimeouts);
    c.var.facts.bodyMs = Date.now() - started;
    c.var.facts.bodyBytes = bytes.byteLength;
    if (kind === 'png') {
      c.set('png', bytes);
    } else {
      const value = parseJson(bytes);
      c.req.bodyCache.json = Promise.resolve(value);
    }
    await next();
  };
}

async function readLimited(
  request: Request,
  limit: number,
  kind: BodyKind,
  timeouts: { idleMs: number; totalMs: number },
): Promise<Uint8Array> {
  const limitText = `${limit} bytes (${limit / 1024 / 1024} MiB)`;
  const tooLarge = () =>
    new Problem(
      'payload-too-large',
      kind === 'json'
        ? `the JSON body is over ${limitText}; send at most ${LIMITS.maxBatch} images, or fewer digits per value`
        : `the PNG is over ${limitText}; send a smaller picture — it is scaled to 28×28 anyway`,
    );
  // Refused before a byte of the body is read, so a client that declares too much learns it at once.
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) throw tooLarge();
  if (!request.body) return new Uint8Array(0);
  // Content-Length can be absent (chunked) or wrong, so count what actually arrives; and a client
  // that stops sending must not hold the request (and its admission) open.
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  const deadline = Date.now() + timeouts.totalMs;
  for (;;) {
    const wait = Math.min(timeouts.idleMs, deadline - Date.now());
    const next = await readWithin(reader, wait);
    if (next === 'timeout') {
      reader.cancel().catch(() => undefined);
      throw new Problem(
        'request-timeout',
        `the body stopped arriving (${size} bytes in); send it without pauses over ${timeouts.idleMs / 1000} s, and all of it within ${timeouts.totalMs / 1000} s`,
      );
    }
    const { done, value } = next;
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * One read, or 'timeout'. A read that fails is the client's doing (a broken chunked encoding, a
 * connection dropped mid-body): a 400 that names it, logged as a client abort, not a server error.
 */
async function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  ms: number,
): Promise<ReadableStreamReadResult<Uint8Array> | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, ms));
  });
  try {
    return await Promise.race([reader.read(), timeout]);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 200);
    throw new Problem(
      'malformed-body',
      `the request body could not be read: its framing is broken or the connection dropped (${reason}); send it whole, with a correct Content-Length or valid chunked encoding`,
      { clientAbort: true },
    );
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}

function parseJson(bytes: Uint8Array): unknown {
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === '') throw new Problem('malformed-json', 'the body is empty; send a JSON object');
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 200);
    const hint = /\b(NaN|-?Infinity)\b/.test(text)
      ? '; NaN and Infinity are not JSON numbers: send finite numbers (pixels in 0..1)'
      : '';
    throw new Problem('malformed-json', `the body is not valid JSON (${reason})${hint}`);
  }
}

/** The request's images as one flat array: the JSON `images`, or the uploaded PNG made MNIST-like. */
export function inputImages(
  png: Uint8Array | undefined,
  json: { images: number[][] } | Uint8Array,
): Float32Array {
  // Decoded straight to the 784 inputs, inflating no more than the header declares (modelkit png.ts).
  if (png) return pngToMnistInput(png, { maxPixels: LIMITS.maxPngPixels });
  return flatten('images' in json ? json.images : [], IMAGE_SIZE);
}

export function flatten(rows: readonly (readonly number[])[], size: number): Float32Array {
  const out = new Float32Array(rows.length * size);
  rows.forEach((row, i) => {
    out.set(row, i * size);
  });
  return out;
}

/**
 * Rows `from`..`to` of a batch as JSON arrays, written straight from the Float32Array: the same text
 * JSON.stringify gives (both print numbers with ToString), about 4× faster and without the arrays of
 * boxed numbers in between. The values must be finite (see handlers.ts `finite`).
 */
function rowsText(batch: Batch, from: number, to: number): string {
  const count = batch.dims[0] as number;
  const size = batch.data.length / Math.max(count, 1);
  const parts: string[] = [];
  for (let i = from; i < to; i++) parts.push(`[${batch.data.subarray(i * size, (i + 1) * size).join(',')}]`);
  return parts.join(',');
}

/** Rows written per chunk of a streamed answer: about 200 KB of text for images. */
const ROWS_PER_CHUNK = 16;

/**
 * A JSON answer with large arrays: `fields` as JSON.stringify writes them, then each batch under its
 * key, as rows of numbers. Streamed a few rows at a time, so that a large answer (64 images are 1 MB
 * of text, the JSON manifold at n=30 is 12 MB) never sits in the isolate's memory whole. Typed as the
 * route's JSON answer, which it is.
 */
export function jsonWithRows<T>(
  c: Context,
  fields: Record<string, unknown>,
  batches: Record<string, Batch | undefined>,
): TypedResponse<T, 200, 'json'> {
  const present = Object.entries(batches).filter((entry): entry is [string, Batch] => entry[1] !== undefined);
  const head = JSON.stringify(fields).slice(0, -1);
  const pieces: (() => string)[] = [];
  present.forEach(([key, batch], k) => {
    const count = batch.dims[0] as number;
    const open = `${k === 0 && head === '{' ? '' : ','}${JSON.stringify(key)}:[`;
    for (let from = 0; from < Math.max(count, 1); from += ROWS_PER_CHUNK) {
      const to = Math.min(count, from + ROWS_PER_CHUNK);
      pieces.push(() => `${from === 0 ? open : ','}${rowsText(batch, from, to)}${to >= count ? ']' : ''}`);
    }
  });
  const headers = { 'Content-Type': 'application/json' };
  type Answer = TypedResponse<T, 200, 'json'>;
  if (pieces.length <= 1) return c.body(`${head}${pieces[0]?.() ?? ''}}`, 200, headers) as unknown as Answer;
  const encoder = new TextEncoder();
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const text = `${next === 0 ? head : ''}${pieces[next]?.() ?? ''}${next === pieces.length - 1 ? '}' : ''}`;
      controller.enqueue(encoder.encode(text));
      if (++next >= pieces.length) controller.close();
    },
  });
  return c.body(body, 200, headers) as unknown as Answer;
}

/** True when the client prefers a PNG to JSON (`Accept: image/png`). */
export function wantsPng(
  c: Context,
  fallback: 'application/json' | 'image/png' = 'application/json',
): boolean {
  return (
    accepts(c, { header: 'Accept', supports: ['application/json', 'image/png'], default: fallback }) ===
    'image/png'
  );
}

/**
 * Digits laid out as a PNG: one row by default. Black gaps and no margin, so that one digit comes back
 * as a plain 28×28 MNIST-like picture that can be uploaded again.
 */
export function pngResponse(
  c: Context,
  images: Float32Array,
  count: number,
  options: TileOptions = {},
): Response {
  const png = encodePng(tile(images, count, { rows: 1, margin: 0, background: 0, ...options }));
  return c.body(png as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': 'image/png' });
}
