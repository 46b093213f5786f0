/**
 * Caching of what only changes with a release: the model list, each model, and the VAE's manifold.
 * A release is the manifest's file hashes plus this API's version, so its tag changes exactly when a
 * deployment could answer differently.
 */
import type { Manifest } from '@autoencoders/modelkit';
import type { Context } from 'hono';
import { API_VERSION } from './version.ts';

/** FNV-1a, 64-bit, as hex: enough to tell releases apart, and synchronous (no Web Crypto await). */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/** The release's tag: every file's SHA-256 as the manifest lists them, and the API's version. */
export function releaseTag(manifest: Manifest): string {
  const files = Object.values(manifest.models)
    .flatMap((m) => m.files.map((f) => `${f.path}:${f.sha256}`))
    .sort();
  return fnv1a64(`${API_VERSION}\n${files.join('\n')}`);
}

/** How long clients and shared caches may reuse an answer before revalidating it with its ETag. */
const MAX_AGE_S = 3600;

/**
 * Sets `ETag` and `Cache-Control` for a deterministic GET and answers 304 when `If-None-Match` holds
 * it. `private` when API keys are on, so that a shared cache cannot hand a keyed answer to anyone.
 */
export function conditional(c: Context, tag: string, keyed: boolean): Response | undefined {
  const etag = `"${tag}"`;
  c.header('ETag', etag);
  c.header('Cache-Control', `${keyed ? 'private' : 'public'}, max-age=${MAX_AGE_S}`);
  const match = c.req.header('if-none-match');
  if (!match) return undefined;
  // Weak comparison (RFC 9110 §13.1.2): W/ prefixes do not matter for GET.
  const tags = match.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (!tags.includes(etag) && !tags.includes('*')) return undefined;
  return c.body(null, 304);
}

/**
 * The manifold's PNGs, per isolate: at most `maxBytes` of them (all thirty sizes take about 3 MiB).
 * The Cache API, where the Worker runs on a zone, shares them between isolates of a location.
 */
export class ManifoldCache {
  readonly #entries = new Map<string, Uint8Array>();
  #bytes = 0;

  constructor(readonly maxBytes = 4 * 1024 * 1024) {}

  get(key: string): Uint8Array | undefined {
    const hit = this.#entries.get(key);
    if (hit) {
      // Most recently used last, so eviction takes the oldest.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, png: Uint8Array): void {
    if (png.byteLength > this.maxBytes || this.#entries.has(key)) return;
    for (const [old, bytes] of this.#entries) {
      if (this.#bytes + png.byteLength <= this.maxBytes) break;
      this.#entries.delete(old);
      this.#bytes -= bytes.byteLength;
    }
    this.#entries.set(key, png);
    this.#bytes += png.byteLength;
  }
}

/** Workers' shared cache, or undefined where there is none (Node, some test set-ups). */
export function sharedCache(): Cache | undefined {
  const storage = (globalThis as { caches?: CacheStorage & { default?: Cache } }).caches;
  return storage?.default;
}

/** The Cache API key of a manifold PNG: a URL no client can request, scoped to the release. */
export const manifoldCacheKey = (release: string, n: number) =>
  new Request(`https://manifold.cache.invalid/${release}/${n}.png`);
