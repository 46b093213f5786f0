/**
 * Panels below the first screen start (download their models, compute) only when they come near the
 * viewport, and only after the first screen has what it needs, so that they never compete with it for
 * the network. Each says what it is doing in a line of its own (a polite live region), and its
 * section is `aria-busy` while it loads.
 */
import { el } from './dom.ts';
import type { DemoState } from './state.ts';

export interface LazyPanelOptions {
  /** The name the tests read back in the snapshot's `panels`. */
  name: string;
  section: HTMLElement;
  /** Resolves when the first screen is on screen; the panel waits for it. */
  after: Promise<unknown>;
  /** What it loads, for the loading line, e.g. "the VAE (3.2 MB) and 2,000 test digits (0.3 MB)". */
  what: string;
  /** Loads and draws the panel the first time; later updates are the panel's own. */
  open: () => Promise<void>;
}

/** How far below the viewport a panel starts loading: a little ahead of the scroll. */
const AHEAD = '0px 0px 200px 0px';

export function lazyPanel(state: DemoState, options: LazyPanelOptions): void {
  const { name, section, after, what, open } = options;
  const line = el('p', { className: 'panel-state note' }, `Loads ${what} when it scrolls into view.`);
  line.setAttribute('role', 'status');
  section.querySelector('h2')?.after(line);
  const setState = (value: 'idle' | 'loading' | 'ready' | 'error', text: string) => {
    section.dataset.state = value;
    state.snapshot.panels[name] = value;
    line.textContent = text;
    if (value === 'loading') section.setAttribute('aria-busy', 'true');
    else section.removeAttribute('aria-busy');
  };
  setState('idle', line.textContent ?? '');

  const start = async () => {
    await after;
    setState('loading', `Loading ${what}…`);
    const t0 = performance.now();
    try {
      await open();
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      setState('ready', `Loaded ${what} in ${seconds} s.`);
    } catch (error) {
      setState('error', `Could not load ${what}: ${error instanceof Error ? error.message : String(error)}`);
      state.showError(error);
    }
  };

  const observer = new IntersectionObserver(
    (entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      observer.disconnect();
      void state.track(start());
    },
    { rootMargin: AHEAD },
  );
  observer.observe(section);
}
