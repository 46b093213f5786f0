/**
 * The isolate's memory as Workers count it (JavaScript heap plus ArrayBuffers and WebAssembly memory),
 * read through the DevTools protocol that `wrangler dev --inspector-port` exposes:
 * `Runtime.getHeapUsage` gives the heap's used and total (committed) size and the backing stores.
 */
import WebSocket from 'ws';
import { round } from '../scripts/wrangler-dev.ts';

export interface HeapSample {
  /** Seconds since sampling started. */
  s: number;
  /** Live JS heap, MiB. */
  usedMiB: number;
  /** JS heap V8 has committed, live or not yet collected, MiB. */
  totalMiB: number;
  /** ArrayBuffers and WebAssembly memory, MiB. */
  backingMiB: number;
  /** Taken right after a full garbage collection: what the isolate really holds at that moment. */
  afterGc?: boolean;
}

export class Inspector {
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, (result: unknown) => void>();
  #id = 0;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (message.id !== undefined) {
        this.#pending.get(message.id)?.(message.result);
        this.#pending.delete(message.id);
      }
    });
  }

  static async connect(port: number): Promise<Inspector> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
      webSocketDebuggerUrl: string;
    }[];
    const url = targets[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error(`no inspector target on port ${port}`);
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new Inspector(ws);
  }

  call<T>(method: string, params: object = {}): Promise<T> {
    const id = ++this.#id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer in 10 s`)), 10_000);
      this.#pending.set(id, (result) => {
        clearTimeout(timer);
        resolve(result as T);
      });
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async heap(since = 0, gc = false): Promise<HeapSample> {
    if (gc) await this.call('HeapProfiler.collectGarbage');
    const h = await this.call<{ usedSize: number; totalSize: number; backingStorageSize?: number }>(
      'Runtime.getHeapUsage',
    );
    const mib = (b: number) => round(b / 2 ** 20, 1);
    return {
      s: round((performance.now() - since) / 1000, 2),
      usedMiB: mib(h.usedSize),
      totalMiB: mib(h.totalSize),
      backingMiB: mib(h.backingStorageSize ?? 0),
      ...(gc ? { afterGc: true } : {}),
    };
  }

  /**
   * Samples every `everyMs` until `stop()`, every `gcEvery`-th right after a forced full collection;
   * a sample the isolate is too busy to answer is skipped.
   */
  sample(everyMs: number, gcEvery = 4): { stop: () => Promise<HeapSample[]> } {
    const samples: HeapSample[] = [];
    const since = performance.now();
    let running = true;
    const loop = (async () => {
      for (let i = 1; running; i++) {
        const next = new Promise((r) => setTimeout(r, everyMs));
        samples.push(await this.heap(since, i % gcEvery === 0).catch(() => undefined as never));
        await next;
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        return samples.filter(Boolean);
      },
    };
  }

  close(): void {
    this.#ws.close();
  }
}
