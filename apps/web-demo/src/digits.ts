/**
 * The real MNIST test digits the page offers as inputs. The first screen needs only the first 100 (a
 * 15 kB PNG sprite, decoded here); the strip's later pages ask the model worker, which downloads all
 * 2,000 (0.3 MB) for the VAE's scatter anyway.
 */
import { decodePng, IMAGE_SIZE } from '@autoencoders/modelkit';
import type { DemoAssets, DigitSprite } from './asset-paths.ts';

/** Sprite bytes (a grey PNG, digits stacked top to bottom) → count × 784 bytes, 0..255. */
export function spritePixels(
  png: ArrayBuffer | Uint8Array,
  sprite: Pick<DigitSprite, 'url' | 'count'>,
): Uint8Array {
  const rgba = decodePng(png).data;
  const grey = new Uint8Array(rgba.length / 4);
  for (let i = 0; i < grey.length; i++) grey[i] = rgba[4 * i] as number;
  if (grey.length !== sprite.count * IMAGE_SIZE) {
    throw new Error(`${sprite.url}: ${grey.length} pixels for ${sprite.count} digits`);
  }
  return grey;
}

export class TestDigits {
  readonly source: string;
  readonly count: number;
  readonly labels: Uint8Array;
  /** count × 784 floats in [0, 1]; a digit is there once `has(i)`. */
  readonly #images: Float32Array;
  readonly #loaded: Uint8Array;

  private constructor(assets: DemoAssets['digits']) {
    this.source = assets.source;
    this.count = assets.all.count;
    this.labels = Uint8Array.from(assets.labels, (c) => c.charCodeAt(0) - 48);
    this.#images = new Float32Array(this.count * IMAGE_SIZE);
    this.#loaded = new Uint8Array(this.count);
  }

  /** Downloads and decodes the first screen's digits. */
  static async load(assets: DemoAssets['digits'], baseUrl: string): Promise<TestDigits> {
    const digits = new TestDigits(assets);
    const response = await fetch(new URL(assets.head.url, baseUrl));
    if (!response.ok) throw new Error(`test digits: HTTP ${response.status}`);
    digits.#store(0, spritePixels(await response.arrayBuffer(), assets.head));
    return digits;
  }

  #store(start: number, bytes: Uint8Array): void {
    // The models were trained on x / 255, so that is the input they expect.
    for (let i = 0; i < bytes.length; i++) this.#images[start * IMAGE_SIZE + i] = (bytes[i] as number) / 255;
    this.#loaded.fill(1, start, start + bytes.length / IMAGE_SIZE);
  }

  has(i: number): boolean {
    return this.#loaded[i] === 1;
  }

  /** True when digits `start`…`start + count - 1` (those that exist) are all here. */
  hasRange(start: number, count: number): boolean {
    return this.#loaded.subarray(start, Math.min(this.count, start + count)).every((v) => v === 1);
  }

  /** Makes digits `start`…`start + count - 1` available, from `fetch` where they are not yet. */
  async ensure(start: number, count: number, fetch: (start: number, count: number) => Promise<Uint8Array>) {
    const end = Math.min(this.count, start + count);
    let first = start;
    while (first < end && this.has(first)) first++;
    if (first === end) return;
    this.#store(first, await fetch(first, end - first));
  }

  at(i: number): Float32Array {
    if (!this.has(i)) throw new Error(`test digit #${i} is not loaded`);
    return this.#images.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE);
  }

  /** The first test digit of each class, 0…9: stable picks for the interpolation's ends. */
  firstOfEachClass(): number[] {
    return Array.from({ length: 10 }, (_, label) => this.labels.indexOf(label));
  }
}
