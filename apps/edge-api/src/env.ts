/** What a request carries through the app: the Worker's bindings and what middleware learns on the way. */
import type { ModelRunner, Operation } from '@autoencoders/modelkit';
import type { Admission } from './admission.ts';

/** The part of Cloudflare's Rate Limiting binding (`RateLimit` in workers-types) the app uses. */
export interface RateLimiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

export interface Bindings {
  /** Comma-separated origins allowed to call from a browser, or "*". */
  CORS_ORIGINS?: string;
  /** Comma-separated API keys (a secret: `wrangler secret put API_KEYS`); unset, the API is open. */
  API_KEYS?: string;
  /** Cloudflare's Rate Limiting binding (wrangler.jsonc `ratelimits`); absent, nothing is limited. */
  RATE_LIMITER?: RateLimiter;
  /** "off" silences the one-line-per-request log. */
  REQUEST_LOGS?: string;
}

/** Filled in as the request goes through; the request log reads it at the end. */
export interface RequestFacts {
  model?: string;
  operation?: Operation;
  batch?: number;
  /** How the client was identified: `key:<id>` or `ip`. Never the key or the address itself. */
  client?: string;
  problem?: string;
  /** Milliseconds waiting for admission, reading the body, in onnxruntime. */
  queueMs?: number;
  bodyMs?: number;
  inferenceMs?: number;
  bodyBytes?: number;
  cache?: 'memory' | 'cache-api' | 'miss' | 'not-modified';
}

export interface Variables {
  runner: ModelRunner;
  admission: Admission;
  /** How long a body may stall and take in all (limits.ts; shorter in tests). */
  bodyTimeouts: { idleMs: number; totalMs: number };
  /** The release's tag (see cache.ts), for ETags and cache keys. */
  release: string;
  requestId: string;
  facts: RequestFacts;
  /** An uploaded PNG's bytes, set by readBody. */
  png?: Uint8Array;
}

export type AppEnv = { Bindings: Bindings; Variables: Variables };
