import { retryAfterMs } from './errors.ts';

/** Opt-in retries of refusals that say "later": 429 (rate limit) and 503 (busy, restarting). */
export interface RetryOptions {
  /** Further attempts after the first; default 2. */
  retries?: number;
  /**
   * The longest wait before one attempt, default 10 000 ms. When `Retry-After` asks for longer, the
   * refusal is returned at once (as an ApiError) rather than waited out.
   */
  maxDelayMs?: number;
  /** Without `Retry-After`, the first wait; it doubles each time. Default 500 ms. */
  baseDelayMs?: number;
}

export type RetryPolicy = Required<RetryOptions>;

export function retryPolicy(options: RetryOptions | boolean | undefined): RetryPolicy | undefined {
  if (!options) return undefined;
  const { retries = 2, maxDelayMs = 10_000, baseDelayMs = 500 } = options === true ? {} : options;
  if (!Number.isInteger(retries) || retries < 0) throw new RangeError('retry.retries must be an integer ≥ 0');
  if (!(maxDelayMs >= 0) || !(baseDelayMs >= 0)) throw new RangeError('retry delays must be ≥ 0 ms');
  return { retries, maxDelayMs, baseDelayMs };
}

/**
 * Whether a response is worth another attempt. A 503 that carries the health report (plain
 * `application/json` from /healthz) is an answer about the deployment, not a refusal.
 */
export function retryable(response: Response): boolean {
  if (response.status === 429) return true;
  if (response.status !== 503) return false;
  const type = response.headers.get('Content-Type') ?? '';
  return !/^application\/json\b/i.test(type);
}

/** The wait before attempt `attempt + 1`, or undefined when the server asks for more than the bound. */
export function retryDelay(response: Response, attempt: number, policy: RetryPolicy): number | undefined {
  const asked = retryAfterMs(response);
  if (asked !== undefined) return asked <= policy.maxDelayMs ? asked : undefined;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
}

/** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
export function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
