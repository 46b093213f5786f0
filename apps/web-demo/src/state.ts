/**
 * What the panels share: the manifest and the models' worker, the current input, the edge API switch,
 * and the numbers the end-to-end tests read back. Each panel (src/panels/) reads and writes only this;
 * none knows another.
 */
import type { ApiClient } from '@autoencoders/client';
import { CATALOG, filesFor, IMAGE_SIZE, type Manifest, type ModelId } from '@autoencoders/modelkit';
import type { DemoAssets } from './asset-paths.ts';
import type { TestDigits } from './digits.ts';
import type { LatentPoint } from './latent-plane.ts';
import type { ModelClient } from './model-client.ts';
import type { ModelOperation, Resource, RuntimeInfo } from './worker/protocol.ts';

/** User Timing marks the bench reads back from Lighthouse's report. */
export const MARKS = {
  firstReconstruction: 'demo:first-reconstruction',
  reconstructions: 'demo:reconstructions',
} as const;

/** Reruns `work` on request, at most one run at a time; requests during a run coalesce into one more. */
export class Task {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  request(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.work();
        } while (this.again);
      } catch (error) {
        this.onError(error);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  get busy(): boolean {
    return this.running !== null;
  }

  /** Waits for the current run (and the reruns it has collected) without asking for another. */
  whenIdle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}

/** Numbers the end-to-end tests read back; kept as plain arrays so they survive serialisation. */
export interface DemoSnapshot {
  provider: string;
  note: string;
  threads: number;
  input: number[];
  reconstructions: Record<string, number[]>;
  noise: number;
  noisy: number[];
  denoised: number[];
  latentPoint: LatentPoint;
  decoded: number[];
  scatterPoints: number;
  /** Each lazy panel's state: idle (not yet in view), loading, ready or error. */
  panels: Record<string, string>;
  timings: Record<string, number>;
}

export interface DemoHook {
  /** Resolves once no task is running and no panel is loading (call after an interaction). */
  idle(): Promise<void>;
  snapshot(): DemoSnapshot;
  selectDigit(index: number): Promise<void>;
  /** Every download so far, the page's and the model worker's, and when the User Timing marks fell. */
  network(): Promise<{ resources: Resource[]; marks: Record<string, number> }>;
}

declare global {
  interface Window {
    __demo?: DemoHook;
  }
}

type Listener = () => void;

export class DemoState {
  input: Float32Array = new Float32Array(IMAGE_SIZE);
  inputCaption = '';
  /** The edge API's client while the switch is on. */
  edge: ApiClient | null = null;
  readonly snapshot: DemoSnapshot;
  readonly #tasks: Task[] = [];
  readonly #loading = new Set<Promise<unknown>>();
  readonly #inputListeners: Listener[] = [];
  readonly #edgeListeners: Listener[] = [];
  /** Models whose sessions are open, by operation: `reconstruct:simple`. */
  readonly #ready = new Set<string>();

  constructor(
    readonly manifest: Manifest,
    readonly assets: DemoAssets,
    readonly models: ModelClient,
    readonly digits: TestDigits,
    /** The models the page shows: the manifest's, or those `?models=` names. */
    readonly ids: readonly ModelId[],
    readonly showError: (error: unknown) => void,
  ) {
    this.snapshot = {
      provider: '',
      note: '',
      threads: 0,
      input: [],
      reconstructions: {},
      noise: 0,
      noisy: [],
      denoised: [],
      latentPoint: [0, 0],
      decoded: [],
      scatterPoints: 0,
      panels: {},
      timings: {},
    };
  }

  get runtime(): RuntimeInfo {
    const runtime = this.models.runtime;
    if (!runtime) throw new Error('the runtime is not loaded yet');
    return runtime;
  }

  serves(id: ModelId, op: ModelOperation): boolean {
    return this.ids.includes(id) && (this.manifest.models[id]?.operations ?? []).some((o) => o === op);
  }

  /** Bytes the operation's files weigh, for loading messages. */
  bytesFor(id: ModelId, op: ModelOperation): number {
    const model = this.manifest.models[id];
    return model ? filesFor(model, op).reduce((n, f) => n + f.bytes, 0) : 0;
  }

  /**
   * Has the worker download and open what the operations need (each model once, whoever asks
   * first); resolves once all are ready.
   */
  async load(needs: { id: ModelId; op: ModelOperation }[]): Promise<number> {
    const missing = needs.filter((n) => this.serves(n.id, n.op) && !this.#ready.has(`${n.op}:${n.id}`));
    if (missing.length === 0) return 0;
    const done = await this.track(this.models.load(missing));
    for (const n of missing) this.#ready.add(`${n.op}:${n.id}`);
    this.snapshot.provider = done.runtime.provider;
    this.snapshot.note = done.runtime.note;
    this.snapshot.threads = done.runtime.threads;
    return done.ms;
  }

  isReady(id: ModelId, op: ModelOperation): boolean {
    return this.#ready.has(`${op}:${id}`);
  }

  /** Counts `work` as pending for `idle()` until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#loading.add(work);
    const forget = () => this.#loading.delete(work);
    work.then(forget, forget);
    return work;
  }

  task(work: () => Promise<void>): Task {
    const task = new Task(work, this.showError);
    this.#tasks.push(task);
    return task;
  }

  async idle(): Promise<void> {
    // One task's run can start another's (the edge switch starts several): wait until all rest.
    while (this.#tasks.some((t) => t.busy) || this.#loading.size > 0) {
      await Promise.allSettled([...this.#loading, ...this.#tasks.map((t) => t.whenIdle())]);
    }
  }

  record(key: string, ms: number): void {
    this.snapshot.timings[key] = ms;
  }

  setInput(x: Float32Array, caption: string): Promise<void> {
    this.input = x;
    this.inputCaption = caption;
    this.snapshot.input = Array.from(x);
    for (const listener of this.#inputListeners) listener();
    return this.idle();
  }

  onInput(listener: Listener): void {
    this.#inputListeners.push(listener);
  }

  setEdge(client: ApiClient | null): void {
    this.edge = client;
    for (const listener of this.#edgeListeners) listener();
  }

  onEdge(listener: Listener): void {
    this.#edgeListeners.push(listener);
  }

  /** The model's test-set BCE from the manifest, with the post's figure where it gives one. */
  bceOf(id: ModelId): string {
    const test = this.manifest.models[id]?.metrics.test as { bce?: unknown } | undefined;
    const bce = typeof test?.bce === 'number' ? `BCE ${test.bce.toFixed(3)}` : 'no test loss';
    const post = CATALOG[id].post.testBce;
    return post === undefined ? bce : `${bce} (post ${post})`;
  }
}
