import type { ModelId } from '@autoencoders/modelkit';
import { conv } from './conv.ts';
import { deep } from './deep.ts';
import { denoise } from './denoise.ts';
import { seq2seq } from './seq2seq.ts';
import { simple } from './simple.ts';
import { sparse } from './sparse.ts';
import type { ModelDefinition } from './types.ts';
import { vae } from './vae.ts';

export type { Loss, ModelDefinition, ModelOptions, Networks, SavedNetworks, TrainingBatch } from './types.ts';

export const MODELS: Readonly<Record<ModelId, ModelDefinition>> = {
  simple,
  sparse,
  deep,
  conv,
  denoise,
  seq2seq,
  vae,
};
