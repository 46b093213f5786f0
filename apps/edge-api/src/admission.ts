/**
 * Admission control: what keeps an isolate under Workers' 128 MB when many large requests arrive at
 * once. Workers run every concurrent request of an isolate in one V8 heap, and going over the limit
 * kills the isolate with every request in flight; so each request reserves an estimate of the memory
 * it will hold (its body, what it parses into, its answer) before it reads anything, and waits in a
 * short FIFO queue while the budget is spent. A request that would wait too long, or finds the queue
 * full, is refused at once with 503 and `Retry-After` rather than held open.
 *
 * Waiting costs no CPU (Workers bill CPU, not wall time) and no memory: the body stays unread in the
 * runtime's socket buffers until the request is admitted.
 */
import { LIMITS } from './limits.ts';
import { Problem } from './problems.ts';

export interface AdmissionOptions {
  /** Bytes that admitted requests may hold at once. */
  budget: number;
  /** Requests that may wait; one more is refused straight away. */
  maxQueue: number;
  /** Longest wait before a queued request is refused. */
  maxWaitMs: number;
}

interface Waiter {
  cost: number;
  grant: () => void;
  timer: ReturnType<typeof setTimeout>;
}

export class Admission {
  #inUse = 0;
  #admitted = 0;
  readonly #queue: Waiter[] = [];
  readonly options: AdmissionOptions;

  constructor(options: AdmissionOptions) {
    this.options = options;
  }

  /** Bytes reserved by admitted requests, requests holding them, and requests waiting. */
  get state(): { inUse: number; admitted: number; queued: number } {
    return { inUse: this.#inUse, admitted: this.#admitted, queued: this.#queue.length };
  }

  /**
   * Reserves `cost` bytes, waiting if needed; resolves to the function that gives them back (call it
   * exactly once, when the request no longer holds them). A cost over the whole budget is capped to
   * it: such a request runs alone rather than never.
   */
  async acquire(cost: number): Promise<() => void> {
    const bytes = Math.min(Math.max(0, Math.ceil(cost)), this.options.budget);
    // FIFO: nobody overtakes a waiter, or a steady stream of small requests could starve a large one.
    if (this.#queue.length === 0 && this.#inUse + bytes <= this.options.budget) {
      this.#inUse += bytes;
      this.#admitted++;
    } else {
      if (this.#queue.length >= this.options.maxQueue) throw overloaded('the queue is full');
      // #drain counts the bytes in when it grants them.
      await new Promise<void>((grant, reject) => {
        const waiter: Waiter = {
          cost: bytes,
          grant,
          timer: setTimeout(() => {
            this.#queue.splice(this.#queue.indexOf(waiter), 1);
            reject(overloaded(`no room within ${this.options.maxWaitMs} ms`));
            // It may have been the head that kept smaller requests behind it waiting.
            this.#drain();
          }, this.options.maxWaitMs),
        };
        this.#queue.push(waiter);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inUse -= bytes;
      this.#admitted--;
      this.#drain();
    };
  }

  #drain(): void {
    for (;;) {
      const head = this.#queue[0];
      if (!head || this.#inUse + head.cost > this.options.budget) return;
      this.#queue.shift();
      clearTimeout(head.timer);
      this.#inUse += head.cost;
      this.#admitted++;
      head.grant();
    }
  }
}

function overloaded(why: string): Problem {
  return new Problem(
    'overloaded',
    `this server is at capacity (${why}); retry after the number of seconds in Retry-After, or send smaller batches`,
    { headers: { 'Retry-After': '1' } },
  );
}

/** What the estimates below assume one JSON value costs: its text, a JS number, its float32, its answer. */
const JSON_BYTES_PER_BODY_BYTE = 8;
/** An image in a JSON answer: 784 numbers as text (~20 bytes each) plus the arrays built for them. */
const JSON_IMAGE_ANSWER = 784 * 36;
/** An image in a PNG answer, or decoded in memory: four float32 arrays of it at most. */
const IMAGE_IN_MEMORY = 784 * 4 * 4;

/** What a request is, as far as its cost goes, before its body is read. */
export type CostedRequest =
  | { kind: 'images' | 'codes'; contentType: 'json' | 'png'; contentLength?: number }
  | { kind: 'manifold'; n: number; json: boolean };

/**
 * The memory a request may hold at its peak, from what is known before its body is read: what it
 * sends (images or codes, JSON or PNG), its declared length or the most it may send, and for the
 * manifold its size and format.
 */
export function estimateCost(request: CostedRequest): number {
  if (request.kind === 'manifold') {
    const images = request.n ** 2;
    return images * (request.json ? JSON_IMAGE_ANSWER : IMAGE_IN_MEMORY) + 64 * 1024;
  }
  if (request.contentType === 'png') {
    // The upload, then one MNIST-sized image: decoding itself is synchronous, so at most one request
    // at a time holds a decoded picture (bounded by the decoder, not by this budget).
    const body = Math.min(request.contentLength ?? LIMITS.maxPngBytes, LIMITS.maxPngBytes);
    return body + 4 * IMAGE_IN_MEMORY + 32 * 1024;
  }
  const body = Math.min(request.contentLength ?? LIMITS.maxJsonBytes, LIMITS.maxJsonBytes);
  // The body bounds the batch: an image is at least ~1.6 KB of JSON (784 values and commas), a code
  // at least 4 bytes; every item may come back as an image.
  const batch = Math.min(
    LIMITS.maxBatch,
    Math.max(1, Math.ceil(body / (request.kind === 'images' ? 1568 : 4))),
  );
  return body * JSON_BYTES_PER_BODY_BYTE + batch * JSON_IMAGE_ANSWER + 32 * 1024;
}
