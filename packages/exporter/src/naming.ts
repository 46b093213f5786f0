import type { ManifestFileRole, ModelId } from '@autoencoders/modelkit';

export interface IoNames {
  inputs: readonly string[];
  outputs: readonly string[];
}

const DEFAULT: Record<ManifestFileRole, IoNames> = {
  autoencoder: { inputs: ['image'], outputs: ['reconstruction'] },
  encoder: { inputs: ['image'], outputs: ['code'] },
  decoder: { inputs: ['code'], outputs: ['reconstruction'] },
};

/** The VAE's encoder gives a distribution, and its decoder takes a point of the latent plane. */
const OVERRIDES: Partial<Record<ModelId, Partial<Record<ManifestFileRole, IoNames>>>> = {
  vae: {
    encoder: { inputs: ['image'], outputs: ['z_mean', 'z_log_var'] },
    decoder: { inputs: ['latent'], outputs: ['reconstruction'] },
  },
};

/**
 * The input and output names clients see: fixed by role, not taken from tfjs's layer names, which
 * change with the order layers happen to be created in.
 */
export function ioNames(id: ModelId, role: ManifestFileRole): IoNames {
  return OVERRIDES[id]?.[role] ?? DEFAULT[role];
}

/** `conv.onnx`, `conv.encoder.onnx`, `conv.decoder.onnx`. */
export function fileName(id: ModelId, role: ManifestFileRole): string {
  return role === 'autoencoder' ? `${id}.onnx` : `${id}.${role}.onnx`;
}
