/**
 * Where the edge-API switch points: `?api=` in the page's URL, else the URL the build was given in
 * VITE_EDGE_API_URL (a deployed demo's own API), else `pnpm dev:api` on this machine.
 */
export const LOCAL_EDGE_API = 'http://127.0.0.1:8787';

export function edgeApiUrl(
  params: URLSearchParams,
  built: string | undefined = import.meta.env.VITE_EDGE_API_URL,
): string {
  return params.get('api')?.trim() || built?.trim() || LOCAL_EDGE_API;
}
