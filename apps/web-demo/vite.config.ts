import { defineConfig } from 'vite';
import { demoAssets } from './scripts/vite-plugin-demo-assets.ts';

export default defineConfig({
  // Relative, so the build works from any path it is deployed under.
  base: './',
  plugins: [demoAssets()],
  // Cross-origin isolation, as public/_headers gives the build (vite preview applies that file through
  // the plugin, so the headers have one source there).
  server: {
    headers: {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    },
  },
  // Pre-bundling would move ort away from the files it locates with import.meta.url.
  // brotli's decoder is found only in the worker, late: listing it spares the dev server a reload.
  optimizeDeps: { exclude: ['onnxruntime-web'], include: ['brotli/decompress'] },
  // The model worker imports ort on demand (the WASM or the WebGPU build): only ES workers split chunks.
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    // onnxruntime-web is ~400 kB minified on its own and loads only once a provider is chosen.
    chunkSizeWarningLimit: 1000,
  },
});
