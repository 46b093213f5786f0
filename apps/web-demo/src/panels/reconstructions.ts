/**
 * Reconstructions: every model's output for the input, with its test-set loss and the time of each
 * inference. Part of the first screen: its cards are laid out before anything loads (so nothing
 * moves when they fill in), the smallest model loads first so that a first reconstruction shows as
 * soon as the runtime is ready, and only then do the other models download, each card filling in as
 * its model arrives.
 */
import { MODEL_IDS, type ModelId } from '@autoencoders/modelkit';
import { $, type Card, card, formatBytes, formatMs } from '../dom.ts';
import { paintDigit } from '../render.ts';
import type { DemoState } from '../state.ts';
import type { ModelOperation } from '../worker/protocol.ts';
import { edgeCall } from './edge.ts';

export interface ReconstructionCards {
  cards: Map<ModelId, Card>;
}

/** The cards, empty, for the models the page may show: before the manifest or any model arrives. */
export function layOutReconstructions(only: readonly string[] | null): ReconstructionCards {
  const cards = new Map<ModelId, Card>();
  for (const id of MODEL_IDS.filter((m) => !only || only.includes(m))) {
    const c = card(id, '…', id);
    c.root.dataset.state = 'waiting';
    c.time.textContent = 'waiting for the runtime';
    cards.set(id, c);
  }
  $('cards').replaceChildren(...[...cards.values()].map((c) => c.root));
  return { cards };
}

export interface FirstScreen {
  /** Resolves once the first reconstruction is painted. */
  first: Promise<void>;
  /** Resolves once every model's reconstruction is painted, with how long the models took. */
  all: Promise<void>;
}

export function mountReconstructions(state: DemoState, { cards }: ReconstructionCards): FirstScreen {
  for (const [id, c] of cards) {
    if (!state.ids.includes(id)) {
      c.root.remove();
      cards.delete(id);
      continue;
    }
    c.subtitle.textContent = state.bceOf(id);
    c.canvas.setAttribute('aria-label', `${id} (${state.manifest.models[id]?.title}): reconstruction`);
  }
  const opOf = (id: ModelId): ModelOperation => (state.serves(id, 'reconstruct') ? 'reconstruct' : 'denoise');
  /** What each card last showed, so that a model arriving late does not make the others run again. */
  const shown = new Map<ModelId, { input: Float32Array; edge: unknown }>();
  let firstPainted: () => void = () => undefined;
  const first = new Promise<void>((resolve) => {
    firstPainted = resolve;
  });

  const task = state.task(async () => {
    const x = state.input;
    const edge = state.edge;
    for (const [id, c] of cards) {
      const last = shown.get(id);
      if (!state.isReady(id, opOf(id)) || (last?.input === x && last.edge === edge)) continue;
      const out =
        opOf(id) === 'reconstruct' ? await state.models.reconstruct(id, x) : await state.models.denoise(x);
      state.record(`reconstruct.${id}`, out.ms);
      paintDigit(c.canvas, out.value.data);
      c.root.dataset.state = 'ready';
      c.time.textContent = `${state.runtime.provider} ${formatMs(out.ms)}`;
      state.snapshot.reconstructions[id] = Array.from(out.value.data);
      shown.set(id, { input: x, edge });
      firstPainted();
      if (edge) {
        await edgeCall(state, c.edge, out.value.data, () =>
          opOf(id) === 'reconstruct' ? edge.reconstruct(id, x) : edge.denoise(x),
        );
      } else c.edge.textContent = '';
    }
  });
  state.onInput(() => void task.request());
  state.onEdge(() => void task.request());

  const loadOne = async (id: ModelId) => {
    const c = cards.get(id);
    if (c) {
      c.root.dataset.state = 'loading';
      c.time.textContent = `loading ${formatBytes(state.bytesFor(id, opOf(id)))}…`;
    }
    await state.load([{ id, op: opOf(id) }]);
    await task.request();
  };

  // Smallest first: the first reconstruction waits for the runtime and as few bytes as possible.
  const [smallest, ...rest] = [...cards.keys()].sort(
    (a, b) => state.bytesFor(a, opOf(a)) - state.bytesFor(b, opOf(b)),
  );
  const all = (async () => {
    if (!smallest) return;
    await loadOne(smallest);
    await first;
    await Promise.all(rest.map(loadOne));
  })();
  return { first, all };
}
