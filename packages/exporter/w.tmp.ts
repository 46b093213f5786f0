import { readFile } from 'node:fs/promises';
import * as ortWeb from 'onnxruntime-web';
ortWeb.env.wasm.numThreads = 1;
const bytes = await readFile('/tmp/exp/models/seq2seq.onnx');
const t0 = Date.now();
const s = await ortWeb.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ['wasm'] });
console.log('created', Date.now() - t0, s.inputNames, s.outputNames);
const r = await s.run({ image: new ortWeb.Tensor('float32', new Float32Array(784 * 4).fill(0.3), [4, 784]) });
console.log(r.reconstruction?.dims, (r.reconstruction?.data as Float32Array).slice(0, 3));
