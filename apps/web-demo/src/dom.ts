/** The few DOM helpers every panel uses. */

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { dataset?: Record<string, string> } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  const { dataset, ...rest } = props;
  Object.assign(node, rest);
  if (dataset) Object.assign(node.dataset, dataset);
  node.append(...children);
  return node;
}

/** A model's output card: the image, its name and loss, and the latest timings. */
export interface Card {
  root: HTMLElement;
  canvas: HTMLCanvasElement;
  subtitle: HTMLElement;
  time: HTMLElement;
  edge: HTMLElement;
}

export function card(title: string, subtitle: string, model: string): Card {
  const canvas = el('canvas', { className: 'digit', width: 28, height: 28 });
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `${title}: output`);
  const sub = el('span', { className: 'subtitle' }, subtitle);
  const time = el('span', { className: 'time' });
  const edge = el('span', { className: 'time edge' });
  const root = el(
    'figure',
    { className: 'card', dataset: { model } },
    canvas,
    el('figcaption', {}, el('strong', {}, title), sub, time, edge),
  );
  return { root, canvas, subtitle: sub, time, edge };
}

export function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(2)} ms` : ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function formatDb(db: number): string {
  return Number.isFinite(db) ? `${db.toFixed(1)} dB` : '∞ dB';
}

export function formatBytes(bytes: number): string {
  return bytes < 1e6 ? `${Math.max(1, Math.round(bytes / 1e3))} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** 2000 → "2,000", without toLocaleString (whose first call loads locale data: tens of ms on a phone). */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
