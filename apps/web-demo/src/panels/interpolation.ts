/** Interpolation: 10 steps between two codes of the VAE (z_mean), decoded. */
import { IMAGE_SIZE } from '@autoencoders/modelkit';
import { $, el, formatMs } from '../dom.ts';
import { interpolate } from '../maths.ts';
import { paintDigits } from '../render.ts';
import type { DemoState } from '../state.ts';

const STEPS = 10;

export function mountInterpolation(state: DemoState): { open: () => Promise<void>; what: string } {
  $('interp-section').hidden = !state.serves('vae', 'encode') || !state.serves('vae', 'decode');
  return { what: "the VAE's encoder and decoder", open: () => open(state) };
}

async function open(state: DemoState): Promise<void> {
  await state.load([
    { id: 'vae', op: 'encode' },
    { id: 'vae', op: 'decode' },
  ]);
  const { digits } = state;
  const fromSelect = $<HTMLSelectElement>('interp-from');
  const toSelect = $<HTMLSelectElement>('interp-to');
  // The first digit of each class lies within the first screen's 100 (the last, an 8, is #61).
  const ends = digits.firstOfEachClass().filter((i) => i >= 0 && digits.has(i));
  for (const select of [fromSelect, toSelect]) {
    select.append(el('option', { value: 'input', textContent: 'the current input' }));
    for (const i of ends) {
      select.append(el('option', { value: String(i), textContent: `a ${digits.labels[i]} (test #${i})` }));
    }
  }
  fromSelect.value = 'input';
  toSelect.value = String(ends[0] ?? 0);

  const task = state.task(async () => {
    const image = (value: string) => (value === 'input' ? state.input : digits.at(Number(value)));
    const both = new Float32Array(2 * IMAGE_SIZE);
    both.set(image(fromSelect.value), 0);
    both.set(image(toSelect.value), IMAGE_SIZE);
    const z = (await state.models.encode('vae', both)).value.z_mean?.data;
    if (!z) return;
    const path = interpolate([z[0] as number, z[1] as number], [z[2] as number, z[3] as number], STEPS);
    const out = await state.models.decode('vae', path);
    paintDigits($<HTMLCanvasElement>('interp'), out.value.data, 1, STEPS);
    const label = (s: HTMLSelectElement) => s.selectedOptions[0]?.textContent ?? '';
    $('interp-caption').textContent =
      `${STEPS} steps from ${label(fromSelect)} to ${label(toSelect)}, decoded in ${formatMs(out.ms)}.`;
  });
  const update = () => void task.request();
  fromSelect.addEventListener('change', update);
  toSelect.addEventListener('change', update);
  state.onInput(update);
  await task.request();
}
