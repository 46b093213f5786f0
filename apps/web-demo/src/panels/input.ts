/**
 * Input: the drawing pad (through modelkit's toMnistInput, the edge API's preprocessing) and the strip
 * of real MNIST test digits. Needs no model: it is usable before the runtime has loaded.
 */
import { toMnistInput } from '@autoencoders/modelkit';
import { $, el } from '../dom.ts';
import { DrawPad } from '../draw-pad.ts';
import { paintDigit } from '../render.ts';
import type { DemoState } from '../state.ts';

const STRIP_SIZE = 30;

export interface InputPanel {
  selectDigit(index: number): Promise<void>;
}

export function mountInput(state: DemoState): InputPanel {
  const { digits } = state;
  const preview = $<HTMLCanvasElement>('input-preview');
  const strip = $('strip');
  const more = $<HTMLButtonElement>('more-digits');
  let stripStart = 0;

  const show = (x: Float32Array, caption: string) => {
    $('input-caption').textContent = caption;
    paintDigit(preview, x);
    return state.setInput(x, caption);
  };

  const pad = new DrawPad($<HTMLCanvasElement>('pad'), () => {
    const image = pad.imageData();
    const x = toMnistInput({ width: image.width, height: image.height, data: image.data });
    $('pad-hint').hidden = !pad.isEmpty;
    markPicked(null);
    void show(x, pad.isEmpty ? 'Your drawing (empty)' : 'Your drawing');
  });
  $('undo').addEventListener('click', () => pad.undo());
  $('clear').addEventListener('click', () => pad.clear());

  const renderStrip = () => {
    const buttons: HTMLButtonElement[] = [];
    for (let i = stripStart; i < Math.min(digits.count, stripStart + STRIP_SIZE); i++) {
      const canvas = el('canvas', { className: 'digit', width: 28, height: 28 });
      paintDigit(canvas, digits.at(i));
      const button = el(
        'button',
        { type: 'button', className: 'pick', dataset: { index: String(i) } },
        canvas,
      );
      button.setAttribute('aria-label', `Test digit #${i}, a ${digits.labels[i]}`);
      button.setAttribute('aria-pressed', 'false');
      button.addEventListener('click', () => void selectDigit(i));
      buttons.push(button);
    }
    strip.replaceChildren(...buttons);
  };

  more.addEventListener('click', async () => {
    const next = (stripStart + STRIP_SIZE) % digits.count;
    if (!digits.hasRange(next, STRIP_SIZE)) {
      // Past the first screen's 100 digits: the worker downloads the rest (0.3 MB) once.
      more.disabled = true;
      more.textContent = 'Loading digits…';
      try {
        await state.track(digits.ensure(next, STRIP_SIZE, (s, n) => state.models.digits(s, n)));
      } catch (error) {
        state.showError(error);
        return;
      } finally {
        more.disabled = false;
        more.textContent = 'More digits';
      }
    }
    stripStart = next;
    renderStrip();
  });

  const markPicked = (i: number | null) => {
    for (const b of strip.querySelectorAll<HTMLButtonElement>('button.pick')) {
      b.setAttribute('aria-pressed', String(b.dataset.index === String(i)));
    }
  };

  const selectDigit = async (i: number) => {
    await digits.ensure(i, 1, (s, n) => state.models.digits(s, n));
    markPicked(i);
    // The pad would otherwise show a drawing that is no longer the input.
    pad.reset();
    $('pad-hint').hidden = false;
    return show(digits.at(i).slice(), `Test digit #${i} (a ${digits.labels[i]})`);
  };

  renderStrip();
  return { selectDigit };
}
