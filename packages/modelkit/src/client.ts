/**
 * A typed client for the edge API (apps/edge-api), for the web demo, tests and scripts. Pure
 * TypeScript over `fetch`: pass the Worker's own `fetch` (or a service binding's) to call it without
 * a network. Errors come back as {@link ApiError}s carrying the RFC 9457 problem details.
 */
import type { ModelId, Operation } from './catalog.ts';

/** An RFC 9457 problem, as every error response of the API carries it. */
export interface ProblemDetails {
  /** `/problems/<slug>`, e.g. `/problems/vector-length`; explained on the API's /docs page. */
  type: string;
  title: string;
  status: number;
  /** What was wrong and what to change. */
  detail: string;
  /** Validation errors: every bad value found, as JSON pointers into the request body. */
  errors?: { pointer: string; detail: string }[];
}

/** A refused or failed request. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly problem: ProblemDetails,
    readonly response: Response,
  ) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`);
  }

  get status(): number {
    return this.problem.status;
  }

  /** The slug of `type`, e.g. `unknown-model`. */
  get kind(): string {
    return this.problem.type.replace(/^.*\/problems\//, '');
  }
}

// Wire types: what the API sends. The worker's zod schemas must agree (apps/edge-api checks it).

export interface WireTensor {
  name: string;
  shape: (number | 'batch')[];
}

export interface WireModel {
  id: ModelId;
  title: string;
  operations: Operation[];
  imageShape: number[];
  codeShape: number[] | null;
  files: {
    role: string;
    path: string;
    bytes: number;
    sha256: string;
    inputs: WireTensor[];
    outputs: WireTensor[];
  }[];
  metrics: Record<string, unknown>;
  provenance: Record<string, unknown>;
  links: Record<string, string>;
}

export interface WireModelList {
  models: WireModel[];
  limits: {
    maxBatch: number;
    maxJsonBytes: number;
    maxPngBytes: number;
    maxPngPixels: number;
    maxManifold: number;
  };
  manifest: { createdAt: string; generator: { name: string; version: string } };
}

export interface WireImages {
  model: string;
  count: number;
  images: number[][];
}

export interface WireDenoise extends WireImages {
  noisy?: number[][];
}

export interface WireEncode {
  model: string;
  count: number;
  codeShape: number[];
  codes: number[][];
  logVariance?: number[][];
}

export interface WireManifold {
  model: string;
  n: number;
  points: number[][];
  images: number[][];
}

export interface WireHealth {
  status: 'ok' | 'degraded';
  files: {
    model: string;
    role: string;
    path: string;
    status: 'ok' | 'mismatch' | 'unreadable' | 'unchecked';
    sessionOpen: boolean;
    detail?: string;
  }[];
}

// Results: the wire types with Float32Arrays, and the server's timings.

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
  logVariance?: Float32Array[];
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

export interface ApiClient {
  readonly baseUrl: string;
  models(options?: RequestOptions): Promise<WireModelList>;
  model(id: string, options?: RequestOptions): Promise<WireModel>;
  reconstruct(id: string, input: ImageInput, options: PngOptions): Promise<PngResult>;
  reconstruct(id: string, input: ImageInput, options?: RequestOptions): Promise<ImagesResult>;
  encode(id: string, input: ImageInput, options: PngOptions): Promise<PngResult>;
  encode(id: string, input: ImageInput, options?: RequestOptions): Promise<EncodeResult>;
  /** Codes (VAE: latent points [x, y]) to images; each code flat, as `encode` returns it. */
  decode(
    id: string,
    codes: readonly (readonly number[] | Float32Array)[],
    options: PngOptions,
  ): Promise<PngResult>;
  decode(
    id: string,
    codes: readonly (readonly number[] | Float32Array)[],
    options?: RequestOptions,
  ): Promise<ImagesResult>;
  denoise(input: ImageInput, options: DenoiseOptions & PngOptions): Promise<PngResult>;
  denoise(input: ImageInput, options?: DenoiseOptions): Promise<DenoiseResult>;
  /** The VAE's n×n manifold: a PNG unless `as: 'json'`. */
  manifold(n?: number, options?: RequestOptions & { as?: 'png'; model?: string }): Promise<PngResult>;
  manifold(
    n: number | undefined,
    options: RequestOptions & { as: 'json'; model?: string },
  ): Promise<ManifoldResult>;
  health(options?: RequestOptions): Promise<WireHealth>;
  openapi(options?: RequestOptions): Promise<Record<string, unknown>>;
}

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * `baseUrl` is the API's origin (and path prefix, if any), e.g. `http://localhost:8787`. `fetch`
 * defaults to the global one.
 */
export function createClient(baseUrl: string, fetchImpl?: Fetch): ApiClient {
  const root = baseUrl.replace(/\/+$/, '');
  const doFetch: Fetch = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));

  async function call(path: string, init: RequestInit, accept: string): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('Accept', accept);
    const response = await doFetch(`${root}${path}`, { ...init, headers });
    if (!response.ok) throw await toApiError(response);
    return response;
  }

  const imageBody = (input: ImageInput): RequestInit => {
    if (!(input instanceof Float32Array) && 'png' in input) {
      return { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: input.png as BodyInit };
    }
    return {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ images: toRows(input) }),
    };
  };

  async function json<T>(path: string, init: RequestInit = {}): Promise<{ body: T; timings: Timings }> {
    const response = await call(path, init, 'application/json');
    return { body: (await response.json()) as T, timings: serverTimings(response) };
  }

  async function png(path: string, init: RequestInit = {}): Promise<PngResult> {
    const response = await call(path, init, 'image/png');
    return { png: new Uint8Array(await response.arrayBuffer()), ...serverTimings(response) };
  }

  const model = (id: string) => `/v1/models/${encodeURIComponent(id)}`;

  const client = {
    baseUrl: root,
    async models(options: RequestOptions = {}) {
      return (await json<WireModelList>('/v1/models', { signal: options.signal ?? null })).body;
    },
    async model(id: string, options: RequestOptions = {}) {
      return (await json<WireModel>(model(id), { signal: options.signal ?? null })).body;
    },
    async reconstruct(id: string, input: ImageInput, options: RequestOptions & { as?: 'png' } = {}) {
      const init = { ...imageBody(input), signal: options.signal ?? null };
      if (options.as === 'png') return png(`${model(id)}/reconstruct`, init);
      const { body, timings } = await json<WireImages>(`${model(id)}/reconstruct`, init);
      return { model: body.model, images: body.images.map(toFloat32), ...timings };
    },
    async encode(id: string, input: ImageInput, options: RequestOptions & { as?: 'png' } = {}) {
      const init = { ...imageBody(input), signal: options.signal ?? null };
      if (options.as === 'png') return png(`${model(id)}/encode`, init);
      const { body, timings } = await json<WireEncode>(`${model(id)}/encode`, init);
      return {
        model: body.model,
        codeShape: body.codeShape,
        codes: body.codes.map(toFloat32),
        ...(body.logVariance ? { logVariance: body.logVariance.map(toFloat32) } : {}),
        ...timings,
      };
    },
    async decode(
      id: string,
      codes: readonly (readonly number[] | Float32Array)[],
      options: RequestOptions & { as?: 'png' } = {},
    ) {
      const init: RequestInit = {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ codes: codes.map((c) => Array.from(c)) }),
        signal: options.signal ?? null,
      };
      if (options.as === 'png') return png(`${model(id)}/decode`, init);
      const { body, timings } = await json<WireImages>(`${model(id)}/decode`, init);
      return { model: body.model, images: body.images.map(toFloat32), ...timings };
    },
    async denoise(input: ImageInput, options: DenoiseOptions & { as?: 'png' } = {}) {
      const query = new URLSearchParams();
      if (options.noise !== undefined) query.set('noise', String(options.noise));
      if (options.seed !== undefined) query.set('seed', String(options.seed));
      const search = query.toString();
      const path = `/v1/denoise${search ? `?${search}` : ''}`;
      const init = { ...imageBody(input), signal: options.signal ?? null };
      if (options.as === 'png') return png(path, init);
      const { body, timings } = await json<WireDenoise>(path, init);
      return {
        model: body.model,
        images: body.images.map(toFloat32),
        ...(body.noisy ? { noisy: body.noisy.map(toFloat32) } : {}),
        ...timings,
      };
    },
    async manifold(n = 15, options: RequestOptions & { as?: 'png' | 'json'; model?: string } = {}) {
      const path = `${model(options.model ?? 'vae')}/manifold?n=${n}`;
      const init = { signal: options.signal ?? null };
      if (options.as !== 'json') return png(path, init);
      const { body, timings } = await json<WireManifold>(path, init);
      return {
        model: body.model,
        n: body.n,
        points: body.points.map((p) => [p[0], p[1]] as [number, number]),
        images: body.images.map(toFloat32),
        ...timings,
      };
    },
    async health(options: RequestOptions = {}) {
      // 503 still carries the report: a degraded service is an answer, not an error here.
      const response = await doFetch(`${root}/healthz`, {
        headers: { Accept: 'application/json' },
        signal: options.signal ?? null,
      });
      if (response.status !== 200 && response.status !== 503) throw await toApiError(response);
      return (await response.json()) as WireHealth;
    },
    async openapi(options: RequestOptions = {}) {
      return (await json<Record<string, unknown>>('/openapi.json', { signal: options.signal ?? null })).body;
    },
  };
  return client as ApiClient;
}

function toRows(input: Float32Array | readonly (readonly number[] | Float32Array)[]): number[][] {
  if (input instanceof Float32Array) {
    const rows: number[][] = [];
    for (let i = 0; i < input.length; i += 784) rows.push(Array.from(input.subarray(i, i + 784)));
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

async function toApiError(response: Response): Promise<ApiError> {
  const text = await response.text();
  let problem: ProblemDetails | undefined;
  try {
    const parsed = JSON.parse(text) as Partial<ProblemDetails>;
    if (typeof parsed.title === 'string' && typeof parsed.detail === 'string') {
      problem = {
        ...parsed,
        type: parsed.type ?? 'about:blank',
        title: parsed.title,
        status: parsed.status ?? response.status,
        detail: parsed.detail,
      };
    }
  } catch {
    // Not problem JSON (a proxy's error page, say): describe the response instead.
  }
  return new ApiError(
    problem ?? {
      type: 'about:blank',
      title: response.statusText || `HTTP ${response.status}`,
      status: response.status,
      detail: text.slice(0, 500) || `the server answered ${response.status} without a body`,
    },
    response,
  );
}
