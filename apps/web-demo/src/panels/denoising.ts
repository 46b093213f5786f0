/**
 * Denoising: a noise slider (0–1) corrupts the input with modelkit's seeded addGaussianNoise; the
 * denoiser's output sits next to the noisy input and next to what the plain models make of it.
 */
import {
  addGaussianNoise,
  DENOISE_NOISE_FACTOR,
  type ModelId,
  psnr,
  seededRandom,
} from '@autoencoders/modelkit';
import { $, type Card, card, formatDb, formatMs } from '../dom.ts';
import { paintDigit } from '../render.ts';
import type { DemoState } from '../state.ts';
import { edgeCall } from './edge.ts';

/** The plain models shown next to the denoiser on the noisy input. */
const PLAIN_ON_NOISE: readonly ModelId[] = ['simple', 'deep', 'conv', 'vae'];

export function mountDenoising(state: DemoState): { open: () => Promise<void>; what: string } {
  $<HTMLInputElement>('noise').value = String(DENOISE_NOISE_FACTOR);
  $('noise-value').textContent = DENOISE_NOISE_FACTOR.toFixed(2);
  return { what: 'the denoiser and four plain models', open: () => open(state) };
}

async function open(state: DemoState): Promise<void> {
  const plain = PLAIN_ON_NOISE.filter((id) => state.serves(id, 'reconstruct'));
  await state.load([
    { id: 'denoise', op: 'denoise' },
    ...plain.map((id) => ({ id, op: 'reconstruct' as const })),
  ]);
  const slider = $<HTMLInputElement>('noise');
  let seed = 1;
  const noisyCard = card('noisy input', 'what the models get', 'noisy');
  const denoiseCard = card(
    'denoise',
    state.manifest.models.denoise ? state.bceOf('denoise') : 'missing',
    'denoise',
  );
  const cards = new Map<string, Card>([['noisy', noisyCard]]);
  if (state.serves('denoise', 'denoise')) cards.set('denoise', denoiseCard);
  for (const id of plain) cards.set(id, card(id, 'not trained on noise', id));
  $('noise-cards').replaceChildren(...[...cards.values()].map((c) => c.root));

  const task = state.task(async () => {
    const x = state.input;
    const factor = Number(slider.value);
    const noisy = addGaussianNoise(x, factor, seededRandom(seed));
    state.snapshot.noise = factor;
    state.snapshot.noisy = Array.from(noisy);
    paintDigit(noisyCard.canvas, noisy);
    noisyCard.time.textContent = `PSNR ${formatDb(psnr(x, noisy))}`;
    if (state.serves('denoise', 'denoise')) {
      const out = await state.models.denoise(noisy);
      state.record('denoise', out.ms);
      paintDigit(denoiseCard.canvas, out.value.data);
      denoiseCard.time.textContent = `${state.runtime.provider} ${formatMs(out.ms)} · PSNR ${formatDb(psnr(x, out.value.data))}`;
      state.snapshot.denoised = Array.from(out.value.data);
      const edge = state.edge;
      if (edge) await edgeCall(state, denoiseCard.edge, out.value.data, () => edge.denoise(noisy));
      else denoiseCard.edge.textContent = '';
    }
    for (const id of plain) {
      const c = cards.get(id);
      if (!c) continue;
      const out = await state.models.reconstruct(id, noisy);
      paintDigit(c.canvas, out.value.data);
      c.time.textContent = `${formatMs(out.ms)} · PSNR ${formatDb(psnr(x, out.value.data))}`;
    }
  });

  const update = () => void task.request();
  slider.addEventListener('input', () => {
    $('noise-value').textContent = Number(slider.value).toFixed(2);
    update();
  });
  $('reseed').addEventListener('click', () => {
    seed++;
    update();
  });
  state.onInput(update);
  state.onEdge(update);
  await task.request();
}
