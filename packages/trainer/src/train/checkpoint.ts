import { readFile } from 'node:fs/promises';
import type * as tf from '@tensorflow/tfjs';
import { UserError, withFileErrors } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';

/**
 * One file holding everything a run needs to continue: a JSON header (run settings, epochs done,
 * history) and the raw float32 values of the weights and the optimiser's state. One file, so that
 * it is replaced atomically as a whole: weights never disagree with the epoch count or history.
 *
 * Layout: "AECKPT1\n", uint32 header length (little-endian), header JSON, then the tensors' bytes
 * in header order.
 */
const MAGIC = 'AECKPT1\n';

/** What tfjs optimisers' getWeights() gives and setWeights() takes. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export interface CheckpointHeader<Run, Epoch> {
  run: Run;
  history: Epoch[];
  weights: { shape: number[] }[];
  optimizer: { name: string; shape: number[] }[];
  /** Adam's running β powers, which tfjs's setWeights recomputes with pow() and so not bit-exactly. */
  adamBetaPowers?: [number, number];
  /** The weights of the epoch with the lowest validation loss so far, stored after the optimiser's state. */
  best?: { epoch: number; weights: { shape: number[] }[] };
}

/** The weights of one epoch, kept as values (the best epoch's, while later epochs train on). */
export interface SavedWeights {
  epoch: number;
  values: Float32Array[];
}

export async function saveCheckpoint<Run, Epoch>(
  file: string,
  header: Omit<CheckpointHeader<Run, Epoch>, 'weights' | 'optimizer' | 'best'>,
  weights: tf.Tensor[],
  optimizer: NamedTensor[],
  best?: SavedWeights,
): Promise<void> {
  const values = [
    ...(await Promise.all([...weights, ...optimizer.map((w) => w.tensor)].map((t) => t.data<'float32'>()))),
    ...(best?.values ?? []),
  ];
  const full: CheckpointHeader<Run, Epoch> = {
    ...header,
    weights: weights.map((w) => ({ shape: w.shape })),
    optimizer: optimizer.map((w) => ({ name: w.name, shape: w.tensor.shape })),
    ...(best && {
      best: { epoch: best.epoch, weights: weights.map((w) => ({ shape: w.shape })) },
    }),
  };
  const json = new TextEncoder().encode(JSON.stringify(full));
  const size = values.reduce((n, v) => n + v.byteLength, 0);
  const bytes = new Uint8Array(MAGIC.length + 4 + json.length + size);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(MAGIC.length, json.length, true);
  bytes.set(json, MAGIC.length + 4);
  let offset = MAGIC.length + 4 + json.length;
  for (const v of values) {
    bytes.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), offset);
    offset += v.byteLength;
  }
  await writeFileAtomic(file, bytes);
}

/** A checkpoint's content as read from disk, before any tensor is made (no backend needed). */
export interface CheckpointData<Run, Epoch> {
  header: CheckpointHeader<Run, Epoch>;
  weights: Float32Array[];
  optimizer: { name: string; shape: number[]; values: Float32Array }[];
  best?: SavedWeights;
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

const isShape = (x: unknown): x is number[] =>
  Array.isArray(x) && x.every((d) => Number.isSafeInteger(d) && (d as number) >= 0);

/** What is wrong with a parsed header, if anything: it comes from disk and may be anything. */
function headerProblem(header: unknown): string | undefined {
  if (!isObject(header)) return 'its header is not a JSON object';
  if (!isObject(header.run)) return 'its header has no run settings';
  if (!Array.isArray(header.history) || !header.history.every(isObject))
    return 'its header has no list of epochs';
  if (!Array.isArray(header.weights) || !header.weights.every((w) => isObject(w) && isShape(w.shape)))
    return "its header's weight shapes are malformed";
  if (
    !Array.isArray(header.optimizer) ||
    !header.optimizer.every((w) => isObject(w) && typeof w.name === 'string' && isShape(w.shape))
  )
    return "its header's optimiser entries are malformed";
  const powers = header.adamBetaPowers;
  if (
    powers !== undefined &&
    !(Array.isArray(powers) && powers.length === 2 && powers.every(Number.isFinite))
  )
    return "its header's Adam state is malformed";
  const best = header.best;
  if (
    best !== undefined &&
    !(
      isObject(best) &&
      Number.isSafeInteger(best.epoch) &&
      (best.epoch as number) >= 1 &&
      Array.isArray(best.weights) &&
      best.weights.every((w) => isObject(w) && isShape(w.shape))
    )
  )
    return "its header's best epoch is malformed";
  return undefined;
}

/**
 * Reads and checks a checkpoint file without making tensors, so that a run can check every
 * model's checkpoint before loading a backend. Every way the file can be unreadable or broken is
 * a UserError naming it.
 */
export async function readCheckpoint<Run, Epoch>(file: string): Promise<CheckpointData<Run, Epoch>> {
  const bytes = await withFileErrors(file, () => readFile(file), 'cannot read the checkpoint');
  const broken = (why: string) =>
    new UserError(`${file}: broken checkpoint (${why}); delete it to start over`);
  if (bytes.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw broken('not a checkpoint file');
  if (bytes.length < MAGIC.length + 4)
    throw broken(`truncated: ${bytes.length} bytes, it ends before its header`);
  const jsonLength = bytes.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4 + jsonLength;
  if (start > bytes.length) throw broken('truncated header');
  let header: unknown;
  try {
    header = JSON.parse(bytes.subarray(MAGIC.length + 4, start).toString('utf8'));
  } catch {
    throw broken('its header is not valid JSON');
  }
  const problem = headerProblem(header);
  if (problem) throw broken(problem);
  const valid = header as CheckpointHeader<Run, Epoch>;
  let offset = start;
  const take = (shape: number[]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    if (offset + n * 4 > bytes.length) throw broken('truncated data');
    // Copy: the file buffer's offset need not be 4-byte aligned.
    const values = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + n * 4),
    );
    offset += n * 4;
    return values;
  };
  const weights = valid.weights.map((w) => take(w.shape));
  const optimizer = valid.optimizer.map((w) => ({ name: w.name, shape: w.shape, values: take(w.shape) }));
  const best = valid.best && {
    epoch: valid.best.epoch,
    values: valid.best.weights.map((w) => take(w.shape)),
  };
  if (offset !== bytes.length) throw broken('unexpected trailing data');
  return { header: valid, weights, optimizer, ...(best && { best }) };
}
