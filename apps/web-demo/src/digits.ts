/** The real MNIST test digits served next to the page (scripts/test-digits.ts cuts them). */
import { IMAGE_SIZE } from '@autoencoders/modelkit';
import { DATA_DIR, DIGITS_BIN, DIGITS_JSON, type DigitsIndex } from './asset-paths.ts';

export interface TestDigits {
  source: string;
  count: number;
  labels: Uint8Array;
  /** count × 784 floats in [0, 1]. */
  images: Float32Array;
}

export async function loadTestDigits(baseUrl: string): Promise<TestDigits> {
  const [indexResponse, binResponse] = await Promise.all([
    fetch(new URL(DATA_DIR + DIGITS_JSON, baseUrl)),
    fetch(new URL(DATA_DIR + DIGITS_BIN, baseUrl)),
  ]);
  if (!indexResponse.ok || !binResponse.ok) {
    throw new Error(`test digits: HTTP ${indexResponse.status} / ${binResponse.status}`);
  }
  const index = (await indexResponse.json()) as DigitsIndex;
  const bytes = new Uint8Array(await binResponse.arrayBuffer());
  if (index.rows * index.cols !== IMAGE_SIZE || bytes.length !== index.count * IMAGE_SIZE) {
    throw new Error(`test digits: ${bytes.length} bytes for ${index.count} of ${index.rows}×${index.cols}`);
  }
  // The models were trained on x / 255, so that is the input they expect.
  const images = Float32Array.from(bytes, (v) => v / 255);
  return { source: index.source, count: index.count, labels: Uint8Array.from(index.labels), images };
}

export function digitAt(digits: TestDigits, i: number): Float32Array {
  return digits.images.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE);
}

/** The first test digit of each class, 0…9: stable picks for the interpolation's ends. */
export function firstOfEachClass(digits: TestDigits): number[] {
  const first: number[] = [];
  for (let label = 0; label < 10; label++) first.push(digits.labels.indexOf(label));
  return first;
}
