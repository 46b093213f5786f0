import { defineConfig } from 'vite';
import { demoAssets } from './scripts/vite-plugin-demo-assets.ts';

// Cross-origin isolation lets onnxruntime-web use WebAssembly threads (SharedArrayBuffer).
// public/_headers sets the same headers on Workers static assets.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // Relative, so the build works from any path it is deployed under.
  base: './',
  plugins: [demoAssets()],
  server: { headers: isolation },
  preview: { headers: isolation },
  // Pre-bundling would move ort away from the files it locates with import.meta.url (its worker script).
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: {
    target: 'es2022',
    // onnxruntime-web is ~400 kB minified on its own and loads only once a provider is chosen.
    chunkSizeWarningLimit: 1000,
  },
});
