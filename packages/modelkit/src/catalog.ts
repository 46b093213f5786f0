/**
 * The model catalogue: the single source of truth for the seven model ids, their shapes and what
 * each one serves. The trainer, the exporter, the edge API and the web demo all read it from here.
 *
 * Glossary (one name per concept, the same from the trainer to the URL):
 * - model id: `simple`, `sparse`, `deep`, `conv`, `denoise`, `seq2seq`, `vae` (CLI `--model`, artifact
 *   folders, ONNX file names, `/v1/models/{id}`).
 * - image: 784 floats in [0, 1], a 28×28 digit row by row, white on black.
 * - code: what the encoder gives for an image (`codeShape`); for the VAE it is z_mean, the mean of the
 *   latent Gaussian, and the encoder also gives z_log_var, its log variance (`z_log_var` in ONNX,
 *   `zLogVar` in JSON and TypeScript).
 * - latent point: a code the VAE's decoder takes (2 numbers); sampled as z = z_mean + exp(z_log_var/2)·ε.
 * - network: one of a model's three graphs, `autoencoder` (image → image), `encoder` (image → code),
 *   `decoder` (code → image); each is one ONNX file, `<id>.onnx`, `<id>.encoder.onnx`, `<id>.decoder.onnx`.
 * - operation: what a client asks (`/v1/models/{id}/{operation}`): `reconstruct` (image → image, the
 *   encoder then the decoder where a model has both), `encode`, `decode` (code → image; for the VAE
 *   this is generation from a latent point), `denoise` (noisy image → clean image, the `denoise`
 *   model only), `manifold` (the VAE's decoder over a grid of latent points).
 * - figures: a model's measured quality (`QualityFigures` in quality.ts); targets: what a release must
 *   reach (`QUALITY_TARGETS`).
 */

export const MODEL_IDS = ['simple', 'sparse', 'deep', 'conv', 'denoise', 'seq2seq', 'vae'] as const;
export type ModelId = (typeof MODEL_IDS)[number];

/** What a client can ask of a model. */
export const OPERATIONS = ['reconstruct', 'encode', 'decode', 'denoise', 'manifold'] as const;
export type Operation = (typeof OPERATIONS)[number];

export const IMAGE_SIDE = 28;
export const IMAGE_SIZE = IMAGE_SIDE * IMAGE_SIDE;

export interface ModelInfo {
  id: ModelId;
  /** One line for humans (CLI help, API listings, the demo page). */
  title: string;
  /** Shape of one code, without the batch dimension; null where the model exposes no code. */
  codeShape: readonly number[] | null;
  operations: readonly Operation[];
  /** The post's batch size and epochs (what `--profile full` starts from) and its test BCE. */
  post: { batchSize: number; epochs: number; testBce?: number };
}

export const CATALOG: Readonly<Record<ModelId, ModelInfo>> = {
  simple: {
    id: 'simple',
    title: 'Fully-connected 784→32→784',
    codeShape: [32],
    operations: ['reconstruct', 'encode', 'decode'],
    post: { batchSize: 256, epochs: 50, testBce: 0.11 },
  },
  sparse: {
    id: 'sparse',
    title: 'Fully-connected 784→32→784 with an L1 activity penalty on the code',
    codeShape: [32],
    operations: ['reconstruct', 'encode', 'decode'],
    post: { batchSize: 256, epochs: 100, testBce: 0.1 },
  },
  deep: {
    id: 'deep',
    title: 'Deep fully-connected 784-128-64-32-64-128-784',
    codeShape: [32],
    operations: ['reconstruct', 'encode', 'decode'],
    post: { batchSize: 256, epochs: 100, testBce: 0.097 },
  },
  conv: {
    id: 'conv',
    title: 'Convolutional, 4×4×8 code',
    codeShape: [4, 4, 8],
    operations: ['reconstruct', 'encode', 'decode'],
    post: { batchSize: 128, epochs: 50, testBce: 0.094 },
  },
  denoise: {
    id: 'denoise',
    title: 'Convolutional denoiser (Gaussian noise, factor 0.5)',
    codeShape: null,
    operations: ['denoise'],
    post: { batchSize: 128, epochs: 100 },
  },
  seq2seq: {
    id: 'seq2seq',
    title: 'Sequence-to-sequence LSTM over the 28 rows',
    codeShape: [64],
    operations: ['reconstruct', 'encode', 'decode'],
    post: { batchSize: 128, epochs: 50 },
  },
  vae: {
    id: 'vae',
    title: 'Variational, 2-D latent',
    codeShape: [2],
    operations: ['reconstruct', 'encode', 'decode', 'manifold'],
    post: { batchSize: 128, epochs: 50 },
  },
};

export function isModelId(value: string): value is ModelId {
  return (MODEL_IDS as readonly string[]).includes(value);
}

/** The noise factor of the denoising model, as in the post. */
export const DENOISE_NOISE_FACTOR = 0.5;
