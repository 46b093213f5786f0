/**
 * The VAE's latent plane: 2,000 test digits' z_mean coloured by digit (the worker downloads and
 * encodes them), a ring at the input's code, a point to drag (or move with the keyboard) that is
 * decoded live, and the 15×15 manifold.
 */
import { $, el, formatBytes, formatCount, formatMs } from '../dom.ts';
import { LatentPlane } from '../latent-plane.ts';
import { DIGIT_COLOURS, paintDigit, paintDigits } from '../render.ts';
import type { DemoState } from '../state.ts';
import { edgeCall } from './edge.ts';

const MANIFOLD_SIDE = 15;

export function mountVae(state: DemoState): { open: () => Promise<void>; what: string } {
  $('vae-section').hidden = !state.serves('vae', 'decode');
  const bytes = state.bytesFor('vae', 'encode') + state.bytesFor('vae', 'decode');
  const digits = state.assets.digits.all;
  return {
    what: `the VAE (${formatBytes(bytes)}) and ${formatCount(digits.count)} test digits (${formatBytes(digits.bytes)})`,
    // Nothing of the panel is built before it opens: the first screen has the main thread to itself.
    open: () => open(state),
  };
}

async function open(state: DemoState): Promise<void> {
  await state.load([
    { id: 'vae', op: 'encode' },
    { id: 'vae', op: 'decode' },
  ]);
  const decoded = $<HTMLCanvasElement>('decoded');
  const plane = new LatentPlane($<HTMLCanvasElement>('latent'), (z) => {
    state.snapshot.latentPoint = z;
    void latentTask.request();
  });

  const latentTask = state.task(async () => {
    const z = plane.pickedPoint;
    const out = await state.models.decode('vae', Float32Array.from(z));
    state.record('decode.vae', out.ms);
    paintDigit(decoded, out.value.data);
    state.snapshot.decoded = Array.from(out.value.data);
    let text = `z = (${z[0].toFixed(2)}, ${z[1].toFixed(2)}) · ${state.runtime.provider} ${formatMs(out.ms)}`;
    const edge = state.edge;
    if (edge) {
      const span = el('span');
      await edgeCall(state, span, out.value.data, () => edge.decode('vae', [z]));
      text += ` · ${span.textContent}`;
    }
    $('decoded-caption').textContent = text;
  });

  /** The ring on the plane: where the current input lands. */
  const markerTask = state.task(async () => {
    const z = (await state.models.encode('vae', state.input)).value.z_mean?.data;
    if (z) plane.setMarker([z[0] as number, z[1] as number]);
  });

  $('legend').replaceChildren(
    ...DIGIT_COLOURS.map((colour, digit) => {
      const chip = el('i');
      chip.style.background = colour;
      return el('span', { className: 'swatch' }, chip, String(digit));
    }),
  );
  state.onInput(() => void markerTask.request());
  state.onEdge(() => void latentTask.request());
  await Promise.all([latentTask.request(), markerTask.request()]);

  const scatter = await state.models.scatter();
  plane.setPoints(scatter.value.z, state.digits.labels.subarray(0, scatter.value.count));
  state.snapshot.scatterPoints = scatter.value.count;
  $('latent-caption').textContent =
    `${scatter.value.count} MNIST test digits' z_mean, coloured by digit (encoded in ${formatMs(scatter.ms)}); ring: the input.`;

  if (state.serves('vae', 'manifold')) {
    const out = await state.models.manifold(MANIFOLD_SIDE);
    state.record('manifold', out.ms);
    paintDigits($<HTMLCanvasElement>('manifold'), out.value.images.data, MANIFOLD_SIDE, MANIFOLD_SIDE);
    $('manifold-caption').textContent =
      `${MANIFOLD_SIDE * MANIFOLD_SIDE} points from the 5th to the 95th percentile of N(0, 1) on each axis, ` +
      `z₂ upwards; decoded in one batch in ${formatMs(out.ms)}.`;
  }
}
