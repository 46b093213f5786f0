/**
 * Which of a model's files an operation reads. It mirrors modelkit's ModelRunner (reconstruction
 * composes encoder and decoder where a model has both, so its whole-autoencoder file is never read),
 * so that the worker can start a panel's downloads before the runtime is ready, and the page can say
 * how much a panel is about to fetch. The end-to-end tests check the files fetched against
 * `ModelRunner.files()`.
 */
import type { ManifestFile, ManifestFileRole, ManifestModel } from '@autoencoders/modelkit';
import type { ModelOperation } from './worker/protocol.ts';

const ROLE_OF: Record<ModelOperation, ManifestFileRole> = {
  reconstruct: 'autoencoder',
  denoise: 'autoencoder',
  encode: 'encoder',
  decode: 'decoder',
  manifold: 'decoder',
};

export function filesFor(model: ManifestModel, op: ModelOperation): ManifestFile[] {
  const composes =
    model.files.some((f) => f.role === 'encoder') && model.files.some((f) => f.role === 'decoder');
  const roles: ManifestFileRole[] = op === 'reconstruct' && composes ? ['encoder', 'decoder'] : [ROLE_OF[op]];
  return model.files.filter((f) => roles.includes(f.role));
}
