/** The API's routes with their schemas; the handlers are in app.ts. */
import { createRoute } from '@hono/zod-openapi';
import { readBody, serves } from './io.ts';
import { LIMITS } from './limits.ts';
import { admit, bodyCost, manifoldCost } from './middleware.ts';
import {
  CodesBody,
  DenoiseQuery,
  DenoiseResult,
  EncodeResult,
  Health,
  ImagesBody,
  ImagesResult,
  ManifoldQuery,
  ManifoldResult,
  ModelIdParam,
  ModelList,
  ModelSummary,
  PngBody,
  PngResponse,
  Problem,
} from './schemas.ts';

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Problem } },
});

const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before trying again',
    schema: { type: 'integer' as const, example: 1 },
  },
};

/** The refusals every /v1 route can give: the owner's key and rate limit, and an isolate at capacity. */
const serviceProblems = {
  401: problem('API keys are on and the request has no valid `Authorization: Bearer <key>`'),
  429: { ...problem('Over the rate limit for this key or client address'), headers: retryAfter },
  503: {
    ...problem(
      'Busy (too many requests in this isolate at once), or a model file failed its SHA-256 check or could not be read',
    ),
    headers: retryAfter,
  },
} as const;

/** `security` of the /v1 routes: a Bearer key, or none when the owner has not set API_KEYS. */
const keyed: Record<string, string[]>[] = [{ bearerAuth: [] }, {}];

/** The refusals every body-taking route can give. */
const bodyProblems = {
  400: problem('The body is not valid JSON, or its framing is broken'),
  404: problem('Unknown model, or an operation the model does not serve'),
  408: problem('The body did not arrive in time'),
  413: problem(`Body over ${LIMITS.maxJsonBytes} bytes (JSON) or ${LIMITS.maxPngBytes} bytes (PNG)`),
  415: problem('Content-Type is not one this route accepts'),
  422: problem(
    'Wrong batch size, vector length or value, an undecodable image, or codes so large that the output is not finite',
  ),
  ...serviceProblems,
} as const;

/** A GET whose answer only changes with the release: `If-None-Match` with its `ETag` gives 304. */
const notModified = { 304: { description: 'Not modified: the `ETag` sent in `If-None-Match` still holds' } };

const imagesInput = {
  description: `JSON with 1 to ${LIMITS.maxBatch} images, or one PNG of a digit as the raw body`,
  required: false,
  content: {
    'application/json': { schema: ImagesBody },
    'image/png': { schema: PngBody },
  },
} as const;

const imagesOutput = (schema: typeof ImagesResult | typeof DenoiseResult, what: string) => ({
  description: `${what}: JSON, or with \`Accept: image/png\` a PNG of the digits in a row. \`Server-Timing\` holds the inference time.`,
  content: { 'application/json': { schema }, 'image/png': { schema: PngResponse } },
});

export const listModels = createRoute({
  method: 'get',
  path: '/v1/models',
  operationId: 'listModels',
  tags: ['models'],
  summary: 'The served models: ids, titles, operations, shapes, metrics',
  security: keyed,
  responses: {
    200: {
      description: 'Every model in the manifest',
      content: { 'application/json': { schema: ModelList } },
    },
    ...notModified,
    ...serviceProblems,
  },
});

export const getModel = createRoute({
  method: 'get',
  path: '/v1/models/{id}',
  operationId: 'getModel',
  tags: ['models'],
  summary: 'One model',
  security: keyed,
  request: { params: ModelIdParam },
  responses: {
    200: { description: 'The model', content: { 'application/json': { schema: ModelSummary } } },
    ...notModified,
    404: problem('Unknown model'),
    ...serviceProblems,
  },
});

export const reconstruct = createRoute({
  method: 'post',
  path: '/v1/models/{id}/reconstruct',
  operationId: 'reconstruct',
  tags: ['inference'],
  summary: 'Encode and decode images: what the autoencoder makes of them',
  middleware: [serves('reconstruct'), admit(bodyCost('images')), readBody(['json', 'png'])] as const,
  security: keyed,
  request: { params: ModelIdParam, body: imagesInput },
  responses: { 200: imagesOutput(ImagesResult, 'The reconstructions'), ...bodyProblems },
});

export const encode = createRoute({
  method: 'post',
  path: '/v1/models/{id}/encode',
  operationId: 'encode',
  tags: ['inference'],
  summary:
    'Images to codes (vae: z_mean and z_log_var); with Accept: image/png, the codes drawn as in the post',
  middleware: [serves('encode'), admit(bodyCost('images')), readBody(['json', 'png'])] as const,
  security: keyed,
  request: { params: ModelIdParam, body: imagesInput },
  responses: {
    200: {
      description: 'One code per image',
      content: { 'application/json': { schema: EncodeResult }, 'image/png': { schema: PngResponse } },
    },
    ...bodyProblems,
  },
});

export const decode = createRoute({
  method: 'post',
  path: '/v1/models/{id}/decode',
  operationId: 'decode',
  tags: ['inference'],
  summary: 'Codes (vae: latent points) to images',
  middleware: [serves('decode'), admit(bodyCost('codes')), readBody(['json'])] as const,
  security: keyed,
  request: {
    params: ModelIdParam,
    body: {
      description: `1 to ${LIMITS.maxBatch} codes`,
      required: true,
      content: { 'application/json': { schema: CodesBody } },
    },
  },
  responses: { 200: imagesOutput(ImagesResult, 'The decoded images'), ...bodyProblems },
});

export const denoise = createRoute({
  method: 'post',
  path: '/v1/models/{id}/denoise',
  operationId: 'denoise',
  tags: ['inference'],
  summary: 'Clean noisy digits with the denoising autoencoder (id: denoise)',
  middleware: [serves('denoise'), admit(bodyCost('images')), readBody(['json', 'png'])] as const,
  security: keyed,
  request: { params: ModelIdParam, query: DenoiseQuery, body: imagesInput },
  responses: {
    200: imagesOutput(DenoiseResult, 'The denoised images (with `noise`, PNG rows: noisy, then denoised)'),
    ...bodyProblems,
  },
});

/** The first release's URL for denoising, kept so that clients written for it go on working. */
export const denoiseAlias = createRoute({
  ...denoise,
  path: '/v1/denoise',
  operationId: 'denoiseAlias',
  deprecated: true,
  summary: "The same as POST /v1/models/denoise/denoise (the first release's URL)",
  request: { query: DenoiseQuery, body: imagesInput },
});

export const manifold = createRoute({
  method: 'get',
  path: '/v1/models/{id}/manifold',
  operationId: 'manifold',
  tags: ['inference'],
  summary: "The VAE's n×n digit manifold: its decoder over a grid of Gaussian quantiles",
  middleware: [serves('manifold'), admit(manifoldCost)] as const,
  security: keyed,
  request: { params: ModelIdParam, query: ManifoldQuery },
  responses: {
    200: {
      description: 'A PNG (28n × 28n px) by default; JSON with `Accept: application/json`',
      content: { 'image/png': { schema: PngResponse }, 'application/json': { schema: ManifoldResult } },
    },
    ...notModified,
    404: problem('Unknown model, or not the vae'),
    422: problem(`n outside 1..${LIMITS.maxManifold}`),
    ...serviceProblems,
  },
});

export const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'healthz',
  tags: ['service'],
  summary: 'Every model file checked against its SHA-256 in the manifest',
  responses: {
    200: { description: 'All files intact', content: { 'application/json': { schema: Health } } },
    503: {
      description: 'Some file is damaged or missing',
      content: { 'application/json': { schema: Health } },
    },
  },
});
