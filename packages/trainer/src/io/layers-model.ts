import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeDirAtomic } from './atomic.ts';

/**
 * Saves a layers model as the standard TF.js pair `model.json` + `weights.bin` (what
 * `tf.loadLayersModel` reads in a browser), without tfjs-node's file:// handler, which
 * cannot load where libtensorflow is missing.
 */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const { weightData, weightSpecs, modelTopology } = artifacts;
      if (!weightSpecs || !weightData || Array.isArray(weightData))
        throw new Error('unexpected model artifacts');
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }],
      };
      await writeDirAtomic(dir, async (tmp) => {
        await writeFile(path.join(tmp, 'model.json'), JSON.stringify(modelJson));
        await writeFile(path.join(tmp, 'weights.bin'), new Uint8Array(weightData));
      });
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

/** Loads a model written by {@link saveLayersModel} (or any single-shard TF.js layers model). */
export async function loadLayersModel(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
  const manifest = json.weightsManifest as tf.io.WeightsManifestConfig;
  const buffers = await Promise.all(
    manifest.flatMap((group) => group.paths.map((p) => readFile(path.join(dir, p)))),
  );
  const weightData = Buffer.concat(buffers);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: manifest.flatMap((group) => group.weights),
      weightData: weightData.buffer.slice(
        weightData.byteOffset,
        weightData.byteOffset + weightData.byteLength,
      ),
    }),
  );
}
