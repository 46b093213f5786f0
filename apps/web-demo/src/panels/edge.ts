/**
 * Edge API: a switch that makes every call a second time on the edge API, through
 * @autoencoders/client (loaded only when the switch is first turned on). Panels call `edgeCall` to
 * show the edge's latency and how far its result is from the local one.
 */
import { maxAbsDiff } from '@autoencoders/modelkit';
import { $, formatMs } from '../dom.ts';
import { edgeApiUrl } from '../edge-url.ts';
import type { DemoState } from '../state.ts';

export function mountEdge(state: DemoState, params: URLSearchParams): void {
  const on = $<HTMLInputElement>('edge-on');
  const url = $<HTMLInputElement>('edge-url');
  const status = $('edge-status');
  url.value = edgeApiUrl(params);
  const update = async () => {
    if (!on.checked || !url.value) {
      status.textContent = 'Off: everything runs in this page.';
      state.setEdge(null);
      return;
    }
    const { createClient } = await import('@autoencoders/client');
    const client = createClient(url.value);
    status.textContent = `Calling ${client.baseUrl}…`;
    state.setEdge(client);
  };
  const changed = () => void state.track(update()).catch(state.showError);
  on.addEventListener('change', changed);
  url.addEventListener('change', changed);
}

/**
 * Makes the same call on the edge API and shows its latency (round trip, and the server's own
 * inference time from Server-Timing) and how far its result is from the local one.
 */
export async function edgeCall(
  state: DemoState,
  target: HTMLElement,
  local: Float32Array,
  call: () => Promise<{ images: Float32Array[]; inferenceMs?: number }>,
): Promise<void> {
  const status = $('edge-status');
  const baseUrl = state.edge?.baseUrl;
  try {
    const start = performance.now();
    const out = await call();
    const ms = performance.now() - start;
    const image = out.images[0] ?? new Float32Array(0);
    const server = out.inferenceMs === undefined ? '' : ` (server ${formatMs(out.inferenceMs)})`;
    target.textContent = `edge ${formatMs(ms)}${server} · Δ ${maxAbsDiff(image, local).toExponential(0)}`;
    status.textContent = `Calling ${baseUrl}: each result shows the local and the edge latency.`;
  } catch (error) {
    target.textContent = 'edge failed';
    status.textContent =
      error instanceof TypeError
        ? `Cannot reach ${baseUrl} (${error.message}): is the edge API running, and does it allow this origin (CORS)?`
        : String(error instanceof Error ? error.message : error);
  }
}
