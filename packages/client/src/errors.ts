import type { ProblemDetails } from './wire.ts';

/** A refused or failed request: the API's problem details, or a description of what came back instead. */
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

  /** The slug of `type`, e.g. `unknown-model`; explained at the API's /problems/<slug>. */
  get kind(): string {
    return this.problem.type.replace(/^.*\/problems\//, '');
  }

  /** Seconds the server asked to wait (`Retry-After` on 429 and 503), where it said. */
  get retryAfter(): number | undefined {
    const ms = retryAfterMs(this.response);
    return ms === undefined ? undefined : ms / 1000;
  }
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(response: Response, now = Date.now()): number | undefined {
  const header = response.headers.get('Retry-After')?.trim();
  if (!header) return undefined;
  if (/^\d+$/.test(header)) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Reads an error response: problem+json where the API sent it, otherwise a description of the reply. */
export async function toApiError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
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
    // Not problem JSON (a proxy's error page, say): described below.
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
