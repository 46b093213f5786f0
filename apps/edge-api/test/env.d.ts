// Types of what the Workers vitest pool provides: the worker's own exports and its bindings.
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import('../src/index.ts');
  }
  interface Env {
    CORS_ORIGINS: string;
    RATE_LIMITER: RateLimit;
    TIGHT_LIMITER: RateLimit;
    REQUEST_LOGS: string;
  }
}
