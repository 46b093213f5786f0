/** What one request may ask for. Documented in the README, /docs and each route's description. */
export const LIMITS = {
  /** Images or codes in one JSON request. */
  maxBatch: 64,
  /** A JSON body: 64 images at full float precision (about 19 bytes a value) fit. */
  maxJsonBytes: 1024 * 1024,
  /** An uploaded PNG file. */
  maxPngBytes: 4 * 1024 * 1024,
  /** Pixels of an uploaded PNG, checked from its header before it is inflated (16 MiB as RGBA). */
  maxPngPixels: 2048 * 2048,
  /** Side of the VAE manifold grid: n² decodes in one request. */
  maxManifold: 30,
  /** A body that goes this long without a byte is cut off with 408. */
  bodyIdleMs: 10_000,
  /** ...and one that takes longer than this in all (1 MiB/s would send the largest PNG in 4 s). */
  bodyTotalMs: 60_000,
} as const;

/**
 * Admission control (admission.ts): what concurrent requests of one isolate may hold at once, as
 * estimated from their size before their bodies are read. With the runtime itself (onnxruntime's
 * memory, the models, the app: about 30 MiB once warm) this keeps the isolate well under Workers'
 * 128 MB; `pnpm bench:edge` measures it under load.
 */
export const ADMISSION = {
  budget: 24 * 1024 * 1024,
  /** Requests waiting for room; beyond this, 503 at once. */
  maxQueue: 256,
  /** Longest a request waits for room before 503. */
  maxWaitMs: 10_000,
} as const;
