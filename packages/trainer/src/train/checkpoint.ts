import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.ts';
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
}

export async function saveCheckpoint<Run, Epoch>(
  file: string,
  header: Omit<CheckpointHeader<Run, Epoch>, 'weights' | 'optimizer'>,
  weights: tf.Tensor[],
  optimizer: NamedTensor[],
): Promise<void> {
  const values = await Promise.all(
    [...weights, ...optimizer.map((w) => w.tensor)].map((t) => t.data<'float32'>()),
  );
  const full: CheckpointHeader<Run, Epoch> = {
    ...header,
    weights: weights.map((w) => ({ shape: w.shape })),
    optimizer: optimizer.map((w) => ({ name: w.name, shape: w.tensor.shape })),
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

export interface Checkpoint<Run, Epoch> {
  header: CheckpointHeader<Run, Epoch>;
  weights: Float32Array[];
  optimizer: NamedTensor[];
}

export async function loadCheckpoint<Run, Epoch>(file: string): Promise<Checkpoint<Run, Epoch>> {
  const bytes = await readFile(file);
  const broken = (why: string) =>
    new UserError(`${file}: broken checkpoint (${why}); delete it to start over`);
  if (bytes.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw broken('not a checkpoint file');
  const jsonLength = bytes.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4 + jsonLength;
  if (start > bytes.length) throw broken('truncated header');
  const header = JSON.parse(bytes.subarray(MAGIC.length + 4, start).toString('utf8')) as CheckpointHeader<
    Run,
    Epoch
  >;
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
  const weights = header.weights.map((w) => take(w.shape));
  const optimizer = header.optimizer.map((w) => ({
    name: w.name,
    tensor: tf.tensor(take(w.shape), w.shape),
  }));
  if (offset !== bytes.length) throw broken('unexpected trailing data');
  return { header, weights, optimizer };
}
