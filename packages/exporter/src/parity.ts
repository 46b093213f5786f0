import { type Batch, maxAbsDiff } from '@autoencoders/modelkit';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';

/** A batch of float32 values and its shape, as both runtimes take and give them (modelkit's). */
export type { Batch };

export interface Parity {
  /** The largest |tfjs − onnxruntime| over every output value. */
  maxAbsDiff: number;
  samples: number;
  /** The tfjs outputs, by ONNX output name (the decoder's check feeds on the encoder's). */
  reference: Record<string, Batch>;
}

/** The differences parity accepts: float32 rounding, far below what a wrong graph gives. */
export const PARITY_TOLERANCE = 1e-4;

/** Runs an ONNX model in onnxruntime-node's CPU provider. */
export async function runOnnx(
  bytes: Uint8Array,
  feeds: Record<string, Batch>,
): Promise<Record<string, Batch>> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const tensors = Object.fromEntries(
      Object.entries(feeds).map(([name, b]) => [name, new ort.Tensor('float32', b.data, b.dims)]),
    );
    const results = await session.run(tensors);
    return Object.fromEntries(
      Object.entries(results).map(([name, t]) => [name, { data: t.data as Float32Array, dims: t.dims }]),
    );
  } finally {
    await session.release();
  }
}

/** tfjs's `predict` on the same inputs, keyed by the ONNX output names. */
export function predict(
  model: tf.LayersModel,
  inputs: readonly Batch[],
  outputNames: readonly string[],
): Record<string, Batch> {
  return tf.tidy(() => {
    const tensors = inputs.map((b) => tf.tensor(b.data, [...b.dims], 'float32'));
    const out = model.predict(tensors.length === 1 ? (tensors[0] as tf.Tensor) : tensors, { batchSize: 64 });
    const list = Array.isArray(out) ? out : [out];
    return Object.fromEntries(
      list.map((t, i) => [outputNames[i] as string, { data: t.dataSync() as Float32Array, dims: t.shape }]),
    );
  });
}

/**
 * Compares an exported file with the tfjs model it came from on the same inputs. Failing is the
 * caller's decision (see {@link PARITY_TOLERANCE}); this only measures.
 */
export async function measureParity(
  model: tf.LayersModel,
  bytes: Uint8Array,
  inputs: Record<string, Batch>,
  outputNames: readonly string[],
): Promise<Parity> {
  const reference = predict(model, Object.values(inputs), outputNames);
  const actual = await runOnnx(bytes, inputs);
  let worst = 0;
  for (const name of outputNames) {
    const expected = reference[name];
    const got = actual[name];
    if (!expected || !got)
      throw new Error(`output '${name}' is missing from ${expected ? 'onnxruntime' : 'tfjs'}`);
    if (expected.dims.join() !== got.dims.join()) {
      throw new Error(`output '${name}': tfjs gives [${expected.dims}] but onnxruntime [${got.dims}]`);
    }
    worst = Math.max(worst, maxAbsDiff(expected.data, got.data));
  }
  const first = Object.values(inputs)[0];
  return { maxAbsDiff: worst, samples: first?.dims[0] ?? 0, reference };
}
