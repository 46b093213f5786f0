/**
 * Every error the API returns, as RFC 9457 problem details (`application/problem+json`). Handlers and
 * middleware throw; `toProblem` is the one place that decides what a client sees.
 */

import {
  ImageDecodeError,
  InputShapeError,
  ModelIntegrityError,
  ModelUnavailableError,
  UnknownModelError,
  UnsupportedOperationError,
} from '@autoencoders/modelkit';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { Problem as ProblemSchema } from './schemas.ts';

/** Each problem type: its status and title. `type` is `/problems/<slug>`, explained on /docs. */
export const PROBLEM_TYPES = {
  'unknown-model': { status: 404, title: 'Unknown model' },
  'unsupported-operation': { status: 404, title: 'Operation not served by this model' },
  'not-found': { status: 404, title: 'No such route' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'malformed-json': { status: 400, title: 'Malformed JSON' },
  'malformed-body': { status: 400, title: 'Body could not be read' },
  unauthorized: { status: 401, title: 'Missing or invalid API key' },
  'request-timeout': { status: 408, title: 'Body not received in time' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'non-finite-output': { status: 422, title: 'Output is not finite' },
  overloaded: { status: 503, title: 'Busy' },
  'invalid-request': { status: 422, title: 'Invalid request' },
  'batch-size': { status: 422, title: 'Batch empty or too large' },
  'vector-length': { status: 422, title: 'Wrong number of values' },
  'invalid-value': { status: 422, title: 'Invalid value' },
  'undecodable-image': { status: 422, title: 'Image could not be decoded' },
  'payload-too-large': { status: 413, title: 'Body too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  'not-acceptable': { status: 406, title: 'Not acceptable' },
  'model-integrity': { status: 503, title: 'Model file failed its integrity check' },
  'model-unavailable': { status: 503, title: 'Model file unavailable' },
  internal: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

export type ProblemType = keyof typeof PROBLEM_TYPES;

/** An RFC 9457 problem as sent: the contract's `Problem` schema, which the client's type is generated from. */
export type ProblemDetails = z.output<typeof ProblemSchema>;

/** Thrown anywhere a request is refused; the `detail` must say what to change. */
export class Problem extends Error {
  constructor(
    readonly slug: ProblemType,
    readonly detail: string,
    readonly extra: {
      errors?: ProblemDetails['errors'];
      headers?: Record<string, string>;
      /** The client went away or sent broken framing: logged as a client abort, not as an error. */
      clientAbort?: boolean;
    } = {},
  ) {
    super(detail);
  }
}

export function toProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof UnknownModelError) {
    return new Problem(
      'unknown-model',
      `unknown model '${error.model}'; this API serves ${error.known.join(', ')} (see GET /v1/models)`,
    );
  }
  if (error instanceof UnsupportedOperationError) {
    const hint = error.served.includes('denoise') ? '; use POST /v1/models/denoise/denoise' : '';
    return new Problem('unsupported-operation', `${error.message}${hint}`);
  }
  if (error instanceof InputShapeError) return new Problem('vector-length', error.message);
  if (error instanceof ImageDecodeError) {
    return new Problem('undecodable-image', `${error.message}; send one PNG image of a digit`);
  }
  if (error instanceof ModelIntegrityError) {
    return new Problem(
      'model-integrity',
      `${error.message}; the deployment is damaged, not your request: GET /healthz lists the files, and redeploying with models/ as the exporter wrote them fixes it`,
      { headers: { 'Retry-After': '3600' } },
    );
  }
  if (error instanceof ModelUnavailableError) {
    return new Problem('model-unavailable', `${error.message}; GET /healthz lists the files`, {
      headers: { 'Retry-After': '60' },
    });
  }
  if (error instanceof HTTPException) {
    // What Hono and its validators throw before a handler runs.
    if (error.status === 413) return new Problem('payload-too-large', 'the body is too large');
    if (error.status === 415) return new Problem('unsupported-media-type', error.message);
    if (error.status === 400) return new Problem('malformed-json', error.message);
  }
  return new Problem('internal', 'the server failed on this request; it has been logged');
}

/** A zod failure as a problem: the first issue in `detail`, up to ten in `errors`. */
export function validationProblem(error: z.ZodError, where: 'body' | 'query'): Problem {
  const errors = error.issues.slice(0, 10).map((issue) => ({
    pointer: `/${issue.path.join('/')}`,
    detail: `${where === 'body' ? jsonPath(issue.path) : `query parameter ${issue.path.join('.')}`} ${issue.message}`,
  }));
  const first = error.issues[0];
  const detail = errors[0]?.detail ?? 'the request is invalid';
  return new Problem(first ? issueSlug(first) : 'invalid-request', detail, { errors });
}

/** `images[3][12]` rather than `/images/3/12`: how people name a value in their own code. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

function issueSlug(issue: z.core.$ZodIssue): ProblemType {
  const depth = issue.path.length;
  const sizeIssue = issue.code === 'too_small' || issue.code === 'too_big';
  if (depth === 1 && sizeIssue && issue.origin === 'array') return 'batch-size';
  if (depth === 2 && sizeIssue && issue.origin === 'array') return 'vector-length';
  if (depth === 3) return 'invalid-value';
  return 'invalid-request';
}

export function problemResponse(c: Context, problem: Problem): Response {
  const { status, title } = PROBLEM_TYPES[problem.slug];
  const body: ProblemDetails = {
    type: `/problems/${problem.slug}`,
    title,
    status,
    detail: problem.detail,
    ...(problem.extra.errors && problem.extra.errors.length > 1 ? { errors: problem.extra.errors } : {}),
  };
  return c.body(JSON.stringify(body), status, {
    'Content-Type': 'application/problem+json',
    ...problem.extra.headers,
  });
}
