/**
 * The released models, bundled with the worker: wrangler.jsonc's `Data` rule turns each `.onnx` import
 * into an ArrayBuffer module, so weights and code deploy as one version and no model is publicly
 * reachable. One import per file the runner serves from (models that have an encoder and a decoder
 * reconstruct through them, so their whole-autoencoder files stay out of the bundle);
 * test/models.test.ts checks that the two lists agree.
 */
import { type Manifest, parseManifest } from '@autoencoders/modelkit';
import convDecoder from '../../../models/conv.decoder.onnx';
import convEncoder from '../../../models/conv.encoder.onnx';
import deepDecoder from '../../../models/deep.decoder.onnx';
import deepEncoder from '../../../models/deep.encoder.onnx';
import denoise from '../../../models/denoise.onnx';
import manifestJson from '../../../models/manifest.json';
import seq2seqDecoder from '../../../models/seq2seq.decoder.onnx';
import seq2seqEncoder from '../../../models/seq2seq.encoder.onnx';
import simpleDecoder from '../../../models/simple.decoder.onnx';
import simpleEncoder from '../../../models/simple.encoder.onnx';
import sparseDecoder from '../../../models/sparse.decoder.onnx';
import sparseEncoder from '../../../models/sparse.encoder.onnx';
import vaeDecoder from '../../../models/vae.decoder.onnx';
import vaeEncoder from '../../../models/vae.encoder.onnx';

/** Parsed once per isolate; a broken manifest fails the deploy's first request loudly, not silently. */
export const manifest: Manifest = parseManifest(manifestJson);

export const modelFiles: Readonly<Record<string, ArrayBuffer>> = {
  'simple.encoder.onnx': simpleEncoder,
  'simple.decoder.onnx': simpleDecoder,
  'sparse.encoder.onnx': sparseEncoder,
  'sparse.decoder.onnx': sparseDecoder,
  'deep.encoder.onnx': deepEncoder,
  'deep.decoder.onnx': deepDecoder,
  'conv.encoder.onnx': convEncoder,
  'conv.decoder.onnx': convDecoder,
  'denoise.onnx': denoise,
  'seq2seq.encoder.onnx': seq2seqEncoder,
  'seq2seq.decoder.onnx': seq2seqDecoder,
  'vae.encoder.onnx': vaeEncoder,
  'vae.decoder.onnx': vaeDecoder,
};
