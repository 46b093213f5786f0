/**
 * Request and response schemas. They validate requests, type the handlers and generate /openapi.json,
 * so the documentation cannot drift from what the API accepts. `@autoencoders/client`'s wire types are
 * generated from the same document, checked in as openapi.json (`pnpm openapi` rewrites it).
 */
import { IMAGE_SIZE, MODEL_IDS, OPERATIONS } from '@autoencoders/modelkit';
import { z } from '@hono/zod-openapi';
import { LIMITS } from './limits.ts';

// Messages are written for the `detail` of a problem, after the JSON path of the bad value.
const pixel = z
  .number({ error: 'must be a number in 0..1 (NaN, Infinity, strings and null are not accepted)' })
  .min(0, { error: 'is below 0: pixel values are in 0..1 (0 black, 1 white)' })
  .max(1, { error: 'is above 1: pixel values are in 0..1; divide 8-bit values by 255' });

const image = z
  .array(pixel, { error: 'must be an array of 784 numbers' })
  .length(IMAGE_SIZE, { error: `must hold ${IMAGE_SIZE} values (28×28, row by row)` });

const batch = <T extends z.ZodType>(item: T, what: string) =>
  z
    .array(item, { error: `must be an array of ${what}` })
    .min(1, { error: `is empty: send between 1 and ${LIMITS.maxBatch} ${what}` })
    .max(LIMITS.maxBatch, { error: `holds more than ${LIMITS.maxBatch} ${what}: split the batch` });

export const ModelIdParam = z.object({
  id: z.string().openapi({
    param: { name: 'id', in: 'path' },
    example: 'simple',
    description: `One of ${MODEL_IDS.join(', ')}`,
  }),
});

export const ImagesBody = z
  .object({
    images: batch(image, 'images').openapi({
      description: `1 to ${LIMITS.maxBatch} images, each ${IMAGE_SIZE} numbers in 0..1, row by row, digit white (1) on black (0)`,
      example: [Array.from({ length: IMAGE_SIZE }, () => 0)],
    }),
  })
  .openapi('ImagesRequest');

const code = z.array(
  z.number({ error: 'must be a finite number (NaN, Infinity, strings and null are not accepted)' }),
  { error: 'must be an array of numbers' },
);

export const CodesBody = z
  .object({
    codes: batch(code, 'codes').openapi({
      description:
        "1 to 64 codes, each flat with as many numbers as the model's code (simple 32, conv 128 as 4×4×8 in that order, vae 2: a latent point)",
      example: [[0.5, -1]],
    }),
  })
  .openapi('CodesRequest');

/**
 * A PNG body: one picture of a digit, any size, grey or colour, either ink colour. Zod only so that the
 * route's types stay inferred; Hono validates JSON bodies only, and the PNG decoder checks the bytes.
 */
export const PngBody = z.custom<Uint8Array>().openapi({
  type: 'string',
  format: 'binary',
  description: `One PNG of a digit (≤ ${LIMITS.maxPngBytes / 1024 / 1024} MiB, ≤ ${Math.sqrt(LIMITS.maxPngPixels)}×${Math.sqrt(LIMITS.maxPngPixels)} px), turned into an MNIST-style input: grey, white on black, fitted to 20 px and centred by mass`,
});

export const PngResponse = { type: 'string', format: 'binary' } as const;

const numbers = z.array(z.number());

export const ImagesResult = z
  .object({
    model: z.string(),
    count: z.number().int(),
    images: z.array(numbers).openapi({ description: '784 values in 0..1 per image' }),
  })
  .openapi('ImagesResult');

export const DenoiseResult = ImagesResult.extend({
  noisy: z.array(numbers).optional().openapi({ description: 'The corrupted inputs, when `noise` > 0' }),
}).openapi('DenoiseResult');

export const EncodeResult = z
  .object({
    model: z.string(),
    count: z.number().int(),
    codeShape: z.array(z.number().int()).openapi({ example: [32] }),
    codes: z.array(numbers).openapi({ description: 'One flat code per image (vae: z_mean)' }),
    zLogVar: z.array(numbers).optional().openapi({ description: 'vae only: z_log_var per image' }),
  })
  .openapi('EncodeResult');

export const ManifoldResult = z
  .object({
    model: z.string(),
    n: z.number().int(),
    points: z.array(numbers).openapi({ description: 'The n² latent points, row by row' }),
    images: z.array(numbers),
  })
  .openapi('ManifoldResult');

const tensor = z.object({ name: z.string(), shape: z.array(z.union([z.number(), z.literal('batch')])) });

export const ModelSummary = z
  .object({
    id: z.enum(MODEL_IDS),
    title: z.string(),
    operations: z.array(z.enum(OPERATIONS)),
    imageShape: z.array(z.number()).openapi({ example: [28, 28] }),
    codeShape: z
      .array(z.number())
      .nullable()
      .openapi({ example: [32] }),
    files: z.array(
      z.object({
        role: z.string(),
        path: z.string(),
        bytes: z.number(),
        sha256: z.string(),
        inputs: z.array(tensor),
        outputs: z.array(tensor),
      }),
    ),
    metrics: z.record(z.string(), z.unknown()),
    provenance: z.record(z.string(), z.unknown()),
    links: z
      .record(z.string(), z.string())
      .openapi({ example: { reconstruct: '/v1/models/simple/reconstruct' } }),
  })
  .openapi('Model');

export const ModelList = z
  .object({
    models: z.array(ModelSummary),
    limits: z.object({
      maxBatch: z.number(),
      maxJsonBytes: z.number(),
      maxPngBytes: z.number(),
      maxPngPixels: z.number(),
      maxManifold: z.number(),
    }),
    manifest: z.object({
      createdAt: z.string(),
      generator: z.object({ name: z.string(), version: z.string() }),
    }),
  })
  .openapi('ModelList');

export const Health = z
  .object({
    status: z.enum(['ok', 'degraded']),
    files: z.array(
      z.object({
        model: z.string(),
        role: z.string(),
        path: z.string(),
        status: z.enum(['ok', 'mismatch', 'unreadable', 'unchecked']),
        sessionOpen: z.boolean(),
        detail: z.string().optional(),
      }),
    ),
  })
  .openapi('Health');

export const Problem = z
  .object({
    type: z.string().openapi({ example: '/problems/unknown-model' }),
    title: z.string().openapi({ example: 'Unknown model' }),
    status: z.number().int().openapi({ example: 404 }),
    detail: z.string().openapi({ example: "unknown model 'nope'; this API serves simple, sparse, …" }),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ pointer: z.string(), detail: z.string() }))
      .optional()
      .openapi({ description: 'Every invalid value found (up to 10), as JSON pointers into the body' }),
  })
  .openapi('Problem');

export const ManifoldQuery = z.object({
  n: z.coerce
    .number({ error: 'must be an integer' })
    .int({ error: 'must be an integer' })
    .min(1, { error: 'must be at least 1' })
    .max(LIMITS.maxManifold, { error: `must be at most ${LIMITS.maxManifold}` })
    .default(15)
    .openapi({ param: { name: 'n', in: 'query' }, example: 15, description: 'Grid side: n×n digits' }),
});

export const DenoiseQuery = z.object({
  noise: z.coerce
    .number({ error: 'must be a number in 0..1' })
    .min(0, { error: 'must be ≥ 0' })
    .max(1, { error: 'must be ≤ 1' })
    .default(0)
    .openapi({
      param: { name: 'noise', in: 'query' },
      example: 0.5,
      description:
        'Corrupt the inputs first with this factor × N(0, 1), clipped (the post uses 0.5); 0 denoises them as sent',
    }),
  seed: z.coerce
    .number({ error: 'must be an integer' })
    .int({ error: 'must be an integer' })
    .default(0)
    .openapi({ param: { name: 'seed', in: 'query' }, example: 1, description: 'Seed of the noise' }),
});
