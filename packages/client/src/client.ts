/**
 * The client: one method per endpoint, over `fetch` only, so it runs in browsers, Workers, Deno, Bun and
 * Node 20+. Pass a Worker's own `fetch` (or a service binding's) to call the API without a network.
 */
import { toApiError } from './errors.ts';
import { type RetryOptions, type RetryPolicy, retryable, retryDelay, retryPolicy, sleep } from './retry.ts';
import {
  fillPath,
  type JsonRequest,
  type JsonResponse,
  type ModelName,
  type Query,
  type WireHealth,
  type WireModel,
  type WireModelList,
} from './wire.ts';

/** 28×28: the length of one image, flat. */
const IMAGE_SIZE = 784;

/** `fetch`'s signature; the global one, a Worker's `env.SERVICE.fetch` and test doubles all fit. */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** Sent as `Authorization: Bearer <apiKey>`, for deployments that set `API_KEYS`. */
  apiKey?: string;
  /** Used instead of the global `fetch`. */
  fetch?: Fetch;
  /** Headers added to every request (the client's own take precedence). */
  headers?: HeadersInit;
  /**
   * Retry 429 and 503 answers, waiting as `Retry-After` says (bounded by `maxDelayMs`), or backing off
   * where it is absent. Off by default; `true` takes the defaults.
   */
  retry?: boolean | RetryOptions;
}

/** Milliseconds from the `Server-Timing` header, where the server sent them. */
export interface Timings {
  /** Running the model. */
  inferenceMs?: number;
  /** Checking the file and opening its session: large only on an isolate's first use of a model. */
  sessionMs?: number;
}

export interface ImagesResult extends Timings {
  model: string;
  /** One 784-value image per input. */
  images: Float32Array[];
}

export interface DenoiseResult extends ImagesResult {
  /** The corrupted inputs, when `noise` was asked for. */
  noisy?: Float32Array[];
}

export interface EncodeResult extends Timings {
  model: string;
  /** Shape of one code, e.g. [32] or conv's [4, 4, 8]. */
  codeShape: number[];
  /** One flat code per image; the VAE's z_mean. */
  codes: Float32Array[];
  /** The VAE's z_log_var. */
  zLogVar?: Float32Array[];
}

export interface ManifoldResult extends Timings {
  model: string;
  n: number;
  /** n² latent points, row by row. */
  points: [number, number][];
  images: Float32Array[];
}

export interface PngResult extends Timings {
  png: Uint8Array;
}

/**
 * Images to send: one flat Float32Array of n × 784 values, a list of 784-value images, or
 * `{ png }` for one uploaded picture (any size; the server makes it MNIST-like).
 */
export type ImageInput =
  | Float32Array
  | readonly (readonly number[] | Float32Array)[]
  | { png: Uint8Array | ArrayBuffer | Blob };

/** Codes to decode, each flat, as `encode` returns them (the VAE's: latent points [x, y]). */
export type CodeInput = readonly (readonly number[] | Float32Array)[];

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface PngOptions extends RequestOptions {
  /** Ask for a PNG (`Accept: image/png`) instead of JSON. */
  as: 'png';
}

export interface DenoiseOptions extends RequestOptions {
  /** Corrupt the inputs server-side first, with factor × N(0, 1) clipped (the post uses 0.5). */
  noise?: number;
  seed?: number;
}

export interface ManifoldOptions extends RequestOptions {
  /** Default `vae`, the one model that has a 2-D latent plane. */
  model?: ModelName;
}

export interface ApiClient {
  /** The API's origin (and path prefix), without a trailing slash. */
  readonly baseUrl: string;
  models(options?: RequestOptions): Promise<WireModelList>;
  model(id: ModelName, options?: RequestOptions): Promise<WireModel>;
  reconstruct(id: ModelName, input: ImageInput, options: PngOptions): Promise<PngResult>;
  reconstruct(id: ModelName, input: ImageInput, options?: RequestOptions): Promise<ImagesResult>;
  encode(id: ModelName, input: ImageInput, options: PngOptions): Promise<PngResult>;
  encode(id: ModelName, input: ImageInput, options?: RequestOptions): Promise<EncodeResult>;
  decode(id: ModelName, codes: CodeInput, options: PngOptions): Promise<PngResult>;
  decode(id: ModelName, codes: CodeInput, options?: RequestOptions): Promise<ImagesResult>;
  denoise(input: ImageInput, options: DenoiseOptions & PngOptions): Promise<PngResult>;
  denoise(input: ImageInput, options?: DenoiseOptions): Promise<DenoiseResult>;
  /** The VAE's n×n digit manifold (default n = 15): a PNG unless `as: 'json'`. */
  manifold(n?: number, options?: ManifoldOptions & { as?: 'png' }): Promise<PngResult>;
  manifold(n: number | undefined, options: ManifoldOptions & { as: 'json' }): Promise<ManifoldResult>;
  /** Every model file's integrity. A degraded deployment (503) is reported, not thrown. */
  health(options?: RequestOptions): Promise<WireHealth>;
  /** The contract the deployment serves (OpenAPI 3.1). */
  openapi(options?: RequestOptions): Promise<Record<string, unknown>>;
}

const JSON_TYPE = 'application/json';
const PNG_TYPE = 'image/png';

/**
 * `baseUrl` is the API's origin (and path prefix, if any), e.g. `http://localhost:8787`.
 * Failed requests reject with an {@link ApiError}; network failures with `fetch`'s own TypeError.
 */
export function createClient(baseUrl: string, options: ClientOptions = {}): ApiClient {
  const root = baseUrl.replace(/\/+$/, '');
  const doFetch: Fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const retry = retryPolicy(options.retry);

  async function send(path: string, init: RequestInit, accept: string): Promise<Response> {
    const headers = new Headers(options.headers);
    new Headers(init.headers).forEach((value, name) => {
      headers.set(name, value);
    });
    headers.set('Accept', accept);
    if (options.apiKey) headers.set('Authorization', `Bearer ${options.apiKey}`);
    return withRetries(retry, init.signal, () => doFetch(`${root}${path}`, { ...init, headers }));
  }

  async function call(path: string, init: RequestInit, accept: string): Promise<Response> {
    const response = await send(path, init, accept);
    if (!response.ok) throw await toApiError(response);
    return response;
  }

  async function json<T>(path: string, init: RequestInit = {}): Promise<{ body: T; timings: Timings }> {
    const response = await call(path, init, JSON_TYPE);
    return { body: (await response.json()) as T, timings: serverTimings(response) };
  }

  async function png(path: string, init: RequestInit = {}): Promise<PngResult> {
    const response = await call(path, init, PNG_TYPE);
    return { png: new Uint8Array(await response.arrayBuffer()), ...serverTimings(response) };
  }

  const client = {
    baseUrl: root,
    async models({ signal }: RequestOptions = {}) {
      const path = fillPath('/v1/models');
      return (await json<JsonResponse<'listModels'>>(path, { signal: signal ?? null })).body;
    },
    async model(id: ModelName, { signal }: RequestOptions = {}) {
      const path = fillPath('/v1/models/{id}', { id });
      return (await json<JsonResponse<'getModel'>>(path, { signal: signal ?? null })).body;
    },
    async reconstruct(id: ModelName, input: ImageInput, options: RequestOptions & { as?: 'png' } = {}) {
      const path = fillPath('/v1/models/{id}/reconstruct', { id });
      const init = { ...imageBody(input), signal: options.signal ?? null };
      if (options.as === 'png') return png(path, init);
      const { body, timings } = await json<JsonResponse<'reconstruct'>>(path, init);
      return { model: body.model, images: body.images.map(toFloat32), ...timings };
    },
    async encode(id: ModelName, input: ImageInput, options: RequestOptions & { as?: 'png' } = {}) {
      const path = fillPath('/v1/models/{id}/encode', { id });
      const init = { ...imageBody(input), signal: options.signal ?? null };
      if (options.as === 'png') return png(path, init);
      const { body, timings } = await json<JsonResponse<'encode'>>(path, init);
      return {
        model: body.model,
        codeShape: body.codeShape,
        codes: body.codes.map(toFloat32),
        ...(body.zLogVar ? { zLogVar: body.zLogVar.map(toFloat32) } : {}),
        ...timings,
      };
    },
    async decode(id: ModelName, codes: CodeInput, options: RequestOptions & { as?: 'png' } = {}) {
      const path = fillPath('/v1/models/{id}/decode', { id });
      const request: JsonRequest<'decode'> = { codes: codes.map((c) => Array.from(c)) };
      const init: RequestInit = {
        method: 'POST',
        headers: { 'Content-Type': JSON_TYPE },
        body: JSON.stringify(request),
        signal: options.signal ?? null,
      };
      if (options.as === 'png') return png(path, init);
      const { body, timings } = await json<JsonResponse<'decode'>>(path, init);
      return { model: body.model, images: body.images.map(toFloat32), ...timings };
    },
    async denoise(input: ImageInput, options: DenoiseOptions & { as?: 'png' } = {}) {
      const query: Query<'denoise'> = {};
      if (options.noise !== undefined) query.noise = options.noise;
      if (options.seed !== undefined) query.seed = options.seed;
      const path = `${fillPath('/v1/models/{id}/denoise', { id: 'denoise' })}${search(query)}`;
      const init = { ...imageBody(input), signal: options.signal ?? null };
      if (options.as === 'png') return png(path, init);
      const { body, timings } = await json<JsonResponse<'denoise'>>(path, init);
      return {
        model: body.model,
        images: body.images.map(toFloat32),
        ...(body.noisy ? { noisy: body.noisy.map(toFloat32) } : {}),
        ...timings,
      };
    },
    async manifold(n = 15, options: ManifoldOptions & { as?: 'png' | 'json' } = {}) {
      const query: Query<'manifold'> = { n };
      const path = `${fillPath('/v1/models/{id}/manifold', { id: options.model ?? 'vae' })}${search(query)}`;
      const init = { signal: options.signal ?? null };
      if (options.as !== 'json') return png(path, init);
      const { body, timings } = await json<JsonResponse<'manifold'>>(path, init);
      return {
        model: body.model,
        n: body.n,
        points: body.points.map((p) => [p[0], p[1]] as [number, number]),
        images: body.images.map(toFloat32),
        ...timings,
      };
    },
    async health({ signal }: RequestOptions = {}) {
      const response = await send(fillPath('/healthz'), { signal: signal ?? null }, JSON_TYPE);
      if (response.ok) return (await response.json()) as JsonResponse<'healthz', 200>;
      // A 503 carrying the report is an answer (some file is damaged); a problem+json 503 is a refusal.
      if (response.status === 503 && !/problem\+json/i.test(response.headers.get('Content-Type') ?? '')) {
        const report = (await response
          .clone()
          .json()
          .catch(() => undefined)) as JsonResponse<'healthz', 503> | undefined;
        if (report && Array.isArray(report.files)) return report;
      }
      throw await toApiError(response);
    },
    async openapi({ signal }: RequestOptions = {}) {
      return (await json<Record<string, unknown>>('/openapi.json', { signal: signal ?? null })).body;
    },
  };
  return client as ApiClient;
}

/** Calls `attempt` until it gives an answer not worth retrying, or the policy says stop. */
async function withRetries(
  policy: RetryPolicy | undefined,
  signal: AbortSignal | null | undefined,
  attempt: () => Promise<Response>,
): Promise<Response> {
  for (let tries = 0; ; tries++) {
    const response = await attempt();
    if (!policy || tries >= policy.retries || !retryable(response)) return response;
    const wait = retryDelay(response, tries, policy);
    if (wait === undefined) return response;
    // The refusal's body is not needed; releasing it frees the connection for the next attempt.
    await response.body?.cancel().catch(() => {});
    await sleep(wait, signal);
  }
}

function imageBody(input: ImageInput): RequestInit {
  if (!(input instanceof Float32Array) && 'png' in input) {
    // Bodies are strings, bytes or Blobs, never streams: a retry can send them again.
    return { method: 'POST', headers: { 'Content-Type': PNG_TYPE }, body: input.png as BodyInit };
  }
  const request: JsonRequest<'reconstruct'> = { images: toRows(input) };
  return { method: 'POST', headers: { 'Content-Type': JSON_TYPE }, body: JSON.stringify(request) };
}

function search(query: Record<string, number | string | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function toRows(input: Float32Array | readonly (readonly number[] | Float32Array)[]): number[][] {
  if (input instanceof Float32Array) {
    const rows: number[][] = [];
    for (let i = 0; i < input.length; i += IMAGE_SIZE)
      rows.push(Array.from(input.subarray(i, i + IMAGE_SIZE)));
    return rows;
  }
  return input.map((row) => Array.from(row));
}

function toFloat32(values: number[]): Float32Array {
  return Float32Array.from(values);
}

/** Reads `inference;dur=…` and `session;dur=…` from Server-Timing. */
export function serverTimings(response: Response): Timings {
  const header = response.headers.get('Server-Timing') ?? '';
  const timings: Timings = {};
  for (const entry of header.split(',')) {
    const [name, ...params] = entry.trim().split(';');
    const dur = params.find((p) => p.trim().startsWith('dur='));
    if (!dur) continue;
    const ms = Number(dur.trim().slice(4));
    if (!Number.isFinite(ms)) continue;
    if (name === 'inference') timings.inferenceMs = ms;
    if (name === 'session') timings.sessionMs = ms;
  }
  return timings;
}
