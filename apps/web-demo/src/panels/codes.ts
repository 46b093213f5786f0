/** Codes: simple's and sparse's 32 code values as bars on one scale, conv's 4×4×8 code as a 4×32 map. */
import { $, formatMs } from '../dom.ts';
import { paintBars, paintCodeMap } from '../render.ts';
import type { DemoState } from '../state.ts';

const BARS = ['simple', 'sparse'] as const;

export function mountCodes(state: DemoState): { open: () => Promise<void>; what: string } {
  for (const id of ['simple', 'sparse', 'conv'] as const) {
    const figure = $(`code-${id}`).closest('figure');
    if (figure) figure.hidden = !state.serves(id, 'encode');
  }

  const task = state.task(async () => {
    const x = state.input;
    const codes: Partial<Record<(typeof BARS)[number], Float32Array>> = {};
    for (const id of BARS) {
      if (!state.serves(id, 'encode')) continue;
      const out = await state.models.encode(id, x);
      state.record(`encode.${id}`, out.ms);
      const code = out.value.code?.data;
      if (code) codes[id] = code;
    }
    const scale = Math.max(1e-6, ...Object.values(codes).flatMap((c) => Array.from(c)));
    for (const [id, code] of Object.entries(codes)) {
      paintBars($<HTMLCanvasElement>(`code-${id}`), code, scale);
      const mean = code.reduce((a, b) => a + b, 0) / code.length;
      $(`code-${id}-caption`).textContent =
        `${id}: 32 values, mean ${mean.toFixed(2)}, max ${Math.max(...code).toFixed(2)}` +
        (id === 'sparse' ? ' (same scale as simple)' : '');
    }
    if (state.serves('conv', 'encode')) {
      const out = await state.models.encode('conv', x);
      const code = out.value.code;
      if (code) {
        // [1, 4, 4, 8] (height, width, channels), read row by row as the post's 4×32 picture.
        paintCodeMap($<HTMLCanvasElement>('code-conv'), code.data, 32, 4);
        $('code-conv-caption').textContent = `conv: 4×4×8 as 4×32, ${formatMs(out.ms)}`;
      }
    }
  });

  let opened = false;
  state.onInput(() => {
    if (opened) void task.request();
  });
  const open = async () => {
    await state.load((['simple', 'sparse', 'conv'] as const).map((id) => ({ id, op: 'encode' as const })));
    opened = true;
    await task.request();
  };
  return { open, what: 'three encoders' };
}
