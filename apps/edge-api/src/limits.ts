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
} as const;
