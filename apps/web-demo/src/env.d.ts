// Build-time settings the page reads (Vite replaces import.meta.env.VITE_* when it builds).
interface ImportMetaEnv {
  /** The edge API a deployed demo calls by default; see src/edge-url.ts. */
  readonly VITE_EDGE_API_URL?: string;
}

/** The hashed names of what scripts/vite-plugin-demo-assets.ts serves and emits. */
declare module 'virtual:demo-assets' {
  const assets: import('./asset-paths.ts').DemoAssets;
  export default assets;
}
