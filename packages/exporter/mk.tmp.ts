import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MODELS } from '../trainer/src/models/index.ts';
import { saveLayersModel } from '../trainer/src/io/layers-model.ts';
await tf.setBackend('cpu');
tf.env().set('PROD', true);
const out = process.argv[2] as string;
for (const [id, def] of Object.entries(MODELS)) {
  const nets = def.build({});
  for (const [role, m] of Object.entries({ autoencoder: nets.autoencoder, encoder: nets.encoder, decoder: nets.decoder })) {
    if (m) await saveLayersModel(m, path.join(out, id, role));
  }
  await writeFile(path.join(out, id, 'metrics.json'), JSON.stringify({ command: `autoencoders-train --model ${id}`, seed: 7, dataset: 'random', trainedAt: new Date().toISOString(), x: 1 }));
}
