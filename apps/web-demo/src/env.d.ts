// Build-time settings the page reads (Vite replaces import.meta.env.VITE_* when it builds).
interface ImportMetaEnv {
  /** The edge API a deployed demo calls by default; see src/edge-url.ts. */
  readonly VITE_EDGE_API_URL?: string;
}
