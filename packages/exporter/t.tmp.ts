import * as tf from '@tensorflow/tfjs';
import { MODELS } from '../trainer/src/models/index.ts';
import { convertLayersModel } from './src/convert.ts';
import { measureParity } from './src/parity.ts';
await tf.setBackend('cpu');
tf.env().set('PROD', true);
const n = 64;
const images = new Float32Array(n * 784).map(() => Math.random());
for (const [id, def] of Object.entries(MODELS)) {
  const nets = def.build({});
  const t0 = Date.now();
  const bytes = convertLayersModel(nets.autoencoder, { inputNames: ['image'], outputNames: ['reconstruction'], graphName: id, producer: { name: 'x', version: '0' } });
  try {
    const p = await measureParity(nets.autoencoder, bytes, { image: { data: images, dims: [n, 784] } }, ['reconstruction']);
    console.log(id, bytes.length, p.maxAbsDiff, Date.now() - t0, 'ms');
  } catch (e) { console.log(id, 'ERR', (e as Error).message); }
}
